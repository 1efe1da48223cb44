"""The front end (read, parse, check) fails only with located `DslError`s, whatever the input.

(a) text generated from grammar.lark itself, (b) random mutations of a realistic model, at the
character, token, line and byte level, (c) hand-picked nasty inputs: empty, binary, huge, deep.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import lark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from dsl import syntax as S
from dsl.check import check_file, check_modules, check_text
from dsl.compile import compile_program
from dsl.errors import DslError
from dsl.interp import run_step
from dsl.parse import (
    INT_LIMIT,
    MAX_DEPTH,
    MAX_HEIGHT,
    grammar_text,
    parse_expr,
    parse_file,
    parse_module,
    read_source,
)
from dsl.pretty import pretty
from dsl.values import Mission, Outcome, State

SAMPLE = """\
# A small MiniGrid-like world: turn, move, pick up keys, open doors → reach the goal.
enum Kind { empty, wall, door, key, goal }
enum Color { red, green, blue }
enum Dir { east, south, west, north }
actions { left, right, forward, pickup, toggle, done }

record agent {
  x: int[0..31]
  y: int[0..31]
  dir: Dir
  carrying: bool
}

record object {
  kind: Kind
  color: Color
  x: int[0..31]
  y: int[0..31]
  open: bool
  held: bool
}

def dx(d: Dir) -> int = match d { east => 1, west => -1, _ => 0 }
def dy(d: Dir) -> int = match d { south => 1, north => -1, _ => 0 }
def front_x() -> int = agent.x + dx(agent.dir)
def front_y() -> int = agent.y + dy(agent.dir)
def at_front(o: obj) -> bool = o.x == front_x() and o.y == front_y() and not o.held
def blocked() -> bool =
  any(o in objects: at_front(o) and (o.kind == wall or (o.kind == door and not o.open)))
def turn_left(d: Dir) -> Dir = match d { east => north, north => west, west => south, south => east }
def turn_right(d: Dir) -> Dir =
  match d {
    east => south,
    south => west,
    west => north,
    north => east,
  }
def target() -> Color = lookup(Color, word(1), red)
def step(v: int) -> int = min(max(v, 0), 31) % 32

transition {
  agent.dir := if action == left then turn_left(agent.dir)
               else if action == right then turn_right(agent.dir)
               else agent.dir
  agent.x := if action == forward and not blocked() then step(front_x()) else agent.x
  agent.y := if action == forward and not blocked() then step(front_y()) else agent.y
  agent.carrying := agent.carrying
    or (action == pickup and any(o in objects: at_front(o) and o.kind == key))
  for o in objects {
    o.open := if action == toggle and at_front(o) and o.kind == Kind.door then not o.open else o.open
    o.held := o.held or (action == pickup and at_front(o) and o.kind == key and o.color == target())
  }
}

reward := if any(o in next.objects: o.kind == goal and o.x == next.agent.x and o.y == next.agent.y)
  then 1 else 0
done := any(o in next.objects: o.kind == goal and o.x == next.agent.x and o.y == next.agent.y)
  or (count(o in objects: o.held) >= 2 and has_word("twice"))
  or the(o in objects where o.kind == goal: o.x < 0 else false)
"""

FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_located(err: DslError, path: str, text: str | None = None) -> None:
    """Every diagnostic names PATH:LINE:COL (1-based, inside the text) and a one-line message."""
    assert err.diagnostics
    lines = text.split("\n") if text is not None else None
    for d in err.diagnostics:
        assert d.pos.file == path
        assert d.pos.line >= 1 and d.pos.col >= 1, str(d)
        assert d.message and "\n" not in d.message, str(d)
        assert str(d) == f"{path}:{d.pos.line}:{d.pos.col}: error: {d.message}"
        if lines is not None:
            assert d.pos.line <= len(lines), str(d)
            assert d.pos.col <= len(lines[d.pos.line - 1]) + 1, str(d)


def front_end(text: str, path: str = "fuzz.wc") -> None:
    """Parse and check `text`: success or a located DslError, nothing else."""
    try:
        module = parse_module(text, path)
    except DslError as err:
        assert_located(err, path, text)
        return
    try:
        check_text(text, path)
    except DslError as err:
        assert_located(err, path, text)
    assert parse_module(pretty(module), path) == module


def test_sample_is_a_valid_model() -> None:
    program = check_text(SAMPLE, "sample.wc")
    assert program.has_transition and program.reward is not None and program.done is not None
    assert not program.holes


# ----------------------------------------------------------------------------- (a) from grammar


def _spaced(s: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    gap = st.sampled_from([" ", " ", " ", "\n", "\t", "\r\n"])
    return st.tuples(gap, s, gap).map("".join)


def _grammar_strategy() -> st.SearchStrategy[str]:
    parser = lark.Lark(grammar_text(), parser="lalr")
    terminals, _, _ = parser.grammar.compile(["start"], ())
    explicit: dict[str, st.SearchStrategy[str]] = {
        t.name: _spaced(st.just(t.pattern.value))
        for t in terminals
        if isinstance(t.pattern, lark.lexer.PatternStr)
    }
    likely = ["agent", "objects", "next", "action", "o", "x", "Kind", "wall", "door", "int"]
    explicit["NAME"] = _spaced(
        st.one_of(
            st.sampled_from(likely), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
        )
    )
    explicit["INT"] = _spaced(st.integers(0, 10**6).map(str))
    explicit["STRING"] = _spaced(st.from_regex(r'"[a-z ]{0,6}"', fullmatch=True))
    # A comment runs to the end of its line, so it must end with one.
    explicit["COMMENT"] = st.from_regex(r"#[^\n]{0,12}", fullmatch=True).map(lambda c: f" {c}\n")
    explicit["WS"] = st.sampled_from([" ", "\n", "\t", "\r\n", "\x0c"])
    return from_lark(parser, explicit=explicit)


@FAST
@given(_grammar_strategy())
def test_grammar_generated_text(text: str) -> None:
    front_end(text)


# ----------------------------------------------------------------------------- (b) mutations

TOKEN = re.compile(
    r'\s+|#[^\n]*|"[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*|\d+|:=|=>|->|==|!=|<=|>=|//|\.\.|\?\?|.'
)
SNIPPETS = [
    "(", ")", "{", "}", "[", "]", ",", ":", ":=", "=>", "->", "=", "==", ".", "..", "??", "-",
    "not", "if", "then", "else", "let", "in", "match", "for", "the", "where", "any", "sum",
    "enum", "record", "def", "transition", "actions", "import", "true", "false", "_", "x",
    "agent", "objects", "next", "Kind", "wall", "o", "0", "-1", "99999", '"red"', '"', "#",
    "\n", "\t", " ", "\x00", "\ufeff", "é", "\\", "$", "@", "while", "return", "int[0..",
]  # fmt: skip


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@st.composite
def mutated(draw: st.DrawFn, text: str = SAMPLE) -> str:
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(
                ["del_chars", "ins_chars", "rep_char", "del_tok", "ins_tok", "rep_tok",
                 "dup_line", "swap_lines", "del_line", "truncate"]
            )
        )  # fmt: skip
        n = len(text)
        if op == "truncate":
            text = text[: draw(st.integers(0, n))]
        elif op in ("del_chars", "ins_chars", "rep_char"):
            i = draw(st.integers(0, n))
            if op == "del_chars":
                text = text[:i] + text[i + draw(st.integers(1, 8)) :]
            elif op == "ins_chars":
                text = text[:i] + draw(st.text(max_size=6)) + text[i:]
            else:
                text = text[:i] + draw(st.characters()) + text[i + 1 :]
        elif op in ("del_tok", "ins_tok", "rep_tok"):
            toks = _tokens(text)
            i = draw(st.integers(0, len(toks)))
            new = [draw(st.sampled_from(SNIPPETS))] if op != "del_tok" else []
            keep = i + 1 if op != "ins_tok" else i
            text = "".join(toks[:i] + new + toks[keep:])
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if op == "dup_line":
                lines.insert(j, lines[i])
            elif op == "swap_lines":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                del lines[i]
            text = "\n".join(lines)
    return text


@settings(FAST, max_examples=300)
@given(mutated())
def test_mutated_programs(text: str) -> None:
    front_end(text)


@st.composite
def mutated_bytes(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLE.encode("utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["insert", "replace", "truncate"]))
        i = draw(st.integers(0, len(data)))
        if op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=4))
        elif op == "replace":
            data[i : i + 1] = draw(st.binary(min_size=1, max_size=1))
        else:
            del data[i:]
    return bytes(data)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(FAST, max_examples=100)
@given(blob=mutated_bytes())
def test_mutated_bytes_through_files(fuzz_dir: Path, blob: bytes) -> None:
    path = fuzz_dir / "model.wc"
    path.write_bytes(blob)
    try:
        check_file(path)
    except DslError as err:
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            assert "not UTF-8" in str(err)
            text = None
        assert_located(err, str(path), text)


# ----------------------------------------------------------------------------- (c) nasty inputs


def _depth_error(text: str) -> None:
    with pytest.raises(DslError) as info:
        check_text(text, "deep.wc")
    assert_located(info.value, "deep.wc", text)
    assert f"nested more than {MAX_DEPTH} levels deep" in str(info.value)


def test_empty_and_comment_only() -> None:
    for text in ["", "\n\n", "   \t\r\n", "# only a comment", "# one\n# two\n\n#three\n"]:
        assert parse_module(text) == S.Module(())
        program = check_text(text)
        assert not program.has_transition and program.reward is None


def test_binary_file_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "blob.wc"
    path.write_bytes(b"enum K { a }\n\x00\x01\x02\xff\xfe\x80 binary \xc3")
    for read in (read_source, parse_file, check_file):
        with pytest.raises(DslError) as info:
            read(path)
        assert str(info.value) == f"{path}:2:4: error: the file is not UTF-8 text (byte 0xff)"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.wc"
    with pytest.raises(DslError) as info:
        check_file(path)
    assert str(info.value) == f"{path}:1:1: error: cannot read file: No such file or directory"


def test_one_megabyte_of_declarations() -> None:
    decl = (
        "def f{i}(x: int, k: Kind) -> int =\n"
        "  if x > {i} then x * 2 + 1 else match k {{ wall => 1, _ => x // 3 }}  # {i}\n"
    )
    parts = ["enum Kind { wall, door }\n"]
    size = 0
    while size < 1_000_000:
        parts.append(decl.format(i=len(parts)))
        size += len(parts[-1])
    text = "".join(parts)
    start = time.perf_counter()
    module = parse_module(text, "big.wc")
    elapsed = time.perf_counter() - start
    assert len(module.items) == len(parts)
    assert elapsed < 30, f"parsing 1 MB took {elapsed:.1f} s"


def test_ten_thousand_parentheses() -> None:
    text = "def f(x: int) -> int = " + "(" * 10_000 + "x" + ")" * 10_000 + "\n"
    module = parse_module(text)
    param = S.Param("x", S.TypeName("int"))
    assert module.items[0] == S.FnDecl("f", (param,), S.TypeName("int"), S.Name("x"))
    check_text(text)
    for broken in (text.replace(")", "", 1), text.replace("(", "", 1), text + ")"):
        front_end(broken)


DEEP = {
    "not": "def f(b: bool) -> bool = " + "not " * 5_000 + "b",
    "if-else": "def f(x: int) -> int = " + "if true then 1 else " * 2_000 + "0",
    "if-cond": "def f(x: int) -> int = " + "if " * 2_000 + "true" + " then 1 else 0" * 2_000,
    "minus": "def f(x: int) -> int = " + "-" * 10_000 + "x",
    "minus-spaced": "def f(x: int) -> int = " + "- " * 10_000 + "x",
    "minus-parens": "def f(x: int) -> int = " + "-(" * 3_000 + "x" + ")" * 3_000,
    "let": "def f(x: int) -> int = " + "let y = 1 in " * 3_000 + "y",
    "call": "def f(x: int) -> int = " + "f(" * 3_000 + "x" + ")" * 3_000,
    "hole": "def f(x: int) -> int = " + "??{" * 3_000 + "1" + "}" * 3_000,
    "attr": "def f(x: int) -> int = x" + ".y" * 3_000,
    "match": "def f(x: int) -> int = " + "match x { a => " * 2_000 + "1" + " }" * 2_000,
    "sum": "def f(x: int) -> int = " + "sum(o in objects: " * 2_000 + "1" + ")" * 2_000,
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_a_located_error(text: str) -> None:
    _depth_error(text)


def test_odd_characters() -> None:
    for text in [
        "\ufeffenum K { a }\n",
        "enum K { a }\x00\n",
        "enum K { \ud800 }\n",
        "def f() -> int = 1 \u00d7 2\n",
        'def f() -> word = "unterminated\n',
        "enum K { a }\r\ndef f() -> K = b\r\n",
        "\t\tdef f() -> int =\ttrue\n",
        "enum K { a }" + " " * 100_000 + "junk junk",
        "\n" * 100_000 + "def f() -> int = true",
    ]:
        front_end(text)


def _at_stack_depth(frames: int, fn: Callable[[], object]) -> object:
    return fn() if frames <= 0 else _at_stack_depth(frames - 1, fn)


HEADER = """\
actions { go }
record agent {
  x: int[0..9]
}
record object {
  open: bool
}
transition {
  agent.x := agent.x
}
"""


LIMIT_SHAPES = {
    "eq-right": lambda n: "def g() -> bool = " + "(true == " * n + "true" + ")" * n,
    "not": lambda n: "def g() -> bool = " + "not " * n + "true",
    "minus": lambda n: "def g() -> int = " + "-" * n + "1",
    "if-else": lambda n: "def g() -> int = " + "if true then 1 else " * n + "0",
    "if-cond": lambda n: "def g() -> bool = " + "if " * n + "true" + " then true else false" * n,
    "let": lambda n: "def g() -> int = " + "".join(f"let y{i} = {i} in " for i in range(n)) + "1",
    "call": lambda n: "def g() -> int = " + "min(1, " * n + "1" + ")" * n,
    "hole": lambda n: "def g() -> int = " + "??{" * n + "1" + "}" * n,
    "sum": lambda n: "def g() -> int = " + "sum(o in objects: " * n + "1" + ")" * n,
    "the": lambda n: (
        "def g() -> int = " + "the(o in objects where true: " * n + "1" + " else 0)" * n
    ),
    "plus-right": lambda n: "def g() -> int = " + "1 + (" * n + "1" + ")" * n,
}


@pytest.mark.parametrize("shape", LIMIT_SHAPES.values(), ids=LIMIT_SHAPES.keys())
def test_checker_stack_at_the_depth_limit(shape: Callable[[int], str]) -> None:
    """Text the parser accepts must check with the default recursion limit, even when the caller
    already uses 100 frames (a CLI, a test runner, a synthesis loop); one level more is a
    located depth error."""
    text = shape(MAX_DEPTH) + "\n"
    parse_module(text)
    assert sys.getrecursionlimit() == 1000
    _at_stack_depth(100 - _stack_depth(), lambda: check_text(HEADER + text))
    _depth_error(shape(MAX_DEPTH + 1))


def test_checker_survives_a_nearly_exhausted_stack() -> None:
    """Called with the stack almost full, the checker reports a located error per declaration
    instead of a RecursionError."""
    text = HEADER + "def f(b: bool) -> bool = " + "not " * MAX_DEPTH + "b\ndef g() -> int = 1\n"
    module = parse_module(text, "s.wc")
    headroom = 40  # enough to check `g`, not enough to check 100 levels of `not`

    def check() -> None:
        with pytest.raises(DslError) as info:
            check_modules([module])
        assert str(info.value) == (
            "s.wc:11:1: error: too deeply nested to check (Python's recursion limit was reached)"
        )

    _at_stack_depth(sys.getrecursionlimit() - headroom - _stack_depth(), check)


def test_long_chains_are_not_nesting() -> None:
    """`a + b + ...` is one level of nesting however long; only the tree's height bounds it."""
    n = MAX_HEIGHT
    for op, x in [("+", "x"), ("*", "x"), ("and", "b"), ("or", "b"), ("-", "x")]:
        chain = f" {op} ".join([x] * n)  # n - 1 operators
        ret = "bool" if x == "b" else "int"
        text = f"def f(x: int, b: bool) -> {ret} = {chain}\n"
        _at_stack_depth(100 - _stack_depth(), lambda text=text: check_text(HEADER + text))
        too_long = f"def f(x: int, b: bool) -> {ret} = {chain} {op} {x} {op} {x}\n"
        with pytest.raises(DslError) as info:
            check_text(too_long, "long.wc")
        assert_located(info.value, "long.wc", too_long)
        assert f"expression more than {MAX_HEIGHT} operators deep" in str(info.value)
    # a chain inside the deepest accepted nesting still counts only once
    mixed = "def f(x: int) -> bool = " + "not " * (MAX_DEPTH - 2) + "(x + x + x + x == 1)\n"
    check_text(mixed)
    # mixed precedence: each `*` group is one level below its `+` chain
    check_text("def f(x: int) -> int = " + " + ".join(["x * x * x"] * 40) + "\n")


def test_checked_trees_fit_the_interpreter_and_compiler() -> None:
    """The deepest accepted expressions run in the interpreter and the compiled model with the
    default recursion limit and a caller 100 frames deep."""
    deep_not = "not " * MAX_DEPTH + "false"
    chain = " + ".join(["agent.x"] * (MAX_HEIGHT - 1))  # with `let r = ... in`: MAX_HEIGHT
    for reward, done in [("0", deep_not), (chain, "false"), (f"let r = {chain} in r", deep_not)]:
        text = f"{HEADER}reward := {reward}\ndone := {done}\n"
        program = check_text(text)
        model = compile_program(program)
        state = State((3,), ())
        mission = Mission.of("go")
        for step in (partial(run_step, program), model.step):
            outcome = _at_stack_depth(100 - _stack_depth(), partial(step, state, "go", mission))
            assert isinstance(outcome, Outcome)
            assert outcome.done is (done == deep_not and MAX_DEPTH % 2 == 1)


def _stack_depth() -> int:
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("def f() -> int = " + "9" * 5_000, "f.wc:1:18: error: integer literal too large"),
        ("def f() -> int = 0000000000000000000000000000001", None),
        (
            "record agent {\n  x: int[0.." + "9" * 5_000 + "]\n}\n",
            "f.wc:2:13: error: integer literal too large",
        ),
        (f"def f() -> int = {INT_LIMIT}", None),
        (f"def f() -> int = -{INT_LIMIT}", None),
        (f"def f() -> int = {INT_LIMIT + 1}", "f.wc:1:18: error: integer literal too large"),
        (f"def f(n: int[-{INT_LIMIT}..{INT_LIMIT}]) -> int = n", None),
        (f"def f(n: int[-{INT_LIMIT + 1}..0]) -> int = n", "f.wc:1:14: error: integer literal"),
    ],
    ids=["literal", "leading-zeros", "range", "max", "min", "max+1", "range-max", "range-min-1"],
)
def test_huge_integer_literal(text: str, message: str | None) -> None:
    front_end(text, "f.wc")
    if message is None:
        check_text(text)
    else:
        with pytest.raises(DslError) as info:
            parse_module(text, "f.wc")
        assert str(info.value).startswith(message)


def test_parse_expr_is_bounded_too() -> None:
    e = parse_expr("not " * MAX_DEPTH + "b")
    for _ in range(MAX_DEPTH):
        assert isinstance(e, S.Not)
        e = e.arg
    assert e == S.Name("b")
    with pytest.raises(DslError) as info:
        parse_expr("not " * (MAX_DEPTH + 1) + "b", "e")
    assert str(info.value).startswith("e:1:1: error: expression nested more than")


def test_failure_inside_tree_building_is_located(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever goes wrong while the tree is built (here: a simulated bug) is a located error."""
    from dsl import parse

    def broken(self: object, c: list[object]) -> object:
        raise ValueError("simulated")

    monkeypatch.setattr(parse._Builder, "word_lit", broken)
    parse._parser.cache_clear()
    try:
        text = 'def f() -> bool =\n  has_word("red")\n'
        with pytest.raises(DslError) as info:
            parse_module(text, "b.wc")
        assert_located(info.value, "b.wc", text)
        assert str(info.value).startswith("b.wc:2:")
        assert str(info.value).endswith("error: cannot parse this: ValueError: simulated")
    finally:
        parse._parser.cache_clear()
