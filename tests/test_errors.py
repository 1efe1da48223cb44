"""Broken programs and the exact diagnostics they get: `FILE:LINE:COL: error: message`.

Each message was read and judged: it says where, what was expected and what was found. Entries
marked `propose` carry a better wording than the front end gives today (strict xfail: when the
message is improved, update the entry and drop the mark).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from dsl.check import check_file, check_text
from dsl.errors import DslError, RunError
from dsl.interp import run_step
from dsl.parse import parse_expr
from dsl.values import Mission, State

# Line numbers below count from this header: its last line is 10, so a body starts on line 11.
HEADER = """\
enum Kind { wall, door, key }
actions { left, right, toggle }
record agent {
  x: int[0..9]
  b: bool
}
record object {
  kind: Kind
  open: bool
}
"""


@dataclass(frozen=True)
class Case:
    id: str
    body: str
    expected: str
    header: bool = True
    propose: str | None = None  # why today's message is not good enough (strict xfail)

    @property
    def text(self) -> str:
        return (HEADER if self.header else "") + self.body


CASES = [
    # -- syntax
    Case("syntax-assign", "transition {\n  agent.x = 1\n}\n",
         "m.wc:12:11: error: unexpected '='; expected ':='"),
    Case("syntax-params", "def f( -> int = 1\n",
         "m.wc:11:8: error: unexpected '->'; expected ')', a name"),
    Case("syntax-unclosed", "def f() -> int = (1 + 2\n",
         "m.wc:12:1: error: unexpected end of file; expected ')' or an operator"),
    Case("syntax-extra-close", "def f() -> int = 1)\n",
         "m.wc:11:19: error: unexpected ')'; expected an operator or a new declaration"),
    Case("syntax-call-args", "def f() -> int = min(1 2)\n",
         "m.wc:11:24: error: unexpected '2'; expected ')', ',' or an operator"),
    Case("syntax-if-then", "def f() -> int = if true 1 else 2\n",
         "m.wc:11:26: error: unexpected '1'; expected 'then' or an operator"),
    Case("syntax-two-values", "def f() -> int = 1 2\n",
         "m.wc:11:20: error: unexpected '2'; expected an operator or a new declaration"),
    Case("syntax-eof-after-op", "def f() -> int = 1 +\n",
         "m.wc:12:1: error: unexpected end of file; expected an expression"),
    Case("unexpected-character", "def f() -> int = 1 $ 2\n",
         "m.wc:11:20: error: unexpected character '$'"),
    Case("unterminated-word", 'def f() -> word = "red\n',
         'm.wc:11:19: error: unterminated word: a quoted word must end with " on the same line'),
    Case("backslash-in-word", 'def f() -> word = "re\\d"\n',
         "m.wc:11:19: error: a quoted word cannot contain a backslash"),
    Case("keyword-as-name", "def if() -> int = 1\n",
         "m.wc:11:5: error: 'if' is a keyword and cannot be a name"),
    Case("keyword-as-param", "def f(then: int) -> int = 1\n",
         "m.wc:11:7: error: 'then' is a keyword and cannot be a name"),
    Case("keyword-as-let", "def f() -> int = let match = 1 in 2\n",
         "m.wc:11:22: error: 'match' is a keyword and cannot be a name"),
    Case("underscore-as-member", "enum Other { _, a }\n",
         "m.wc:11:14: error: '_' cannot be a name: it is the wildcard of `match`"),
    Case("keyword-in-expression", "def f() -> int = for\n",
         "m.wc:11:18: error: 'for' is a keyword and cannot be a name"),
    Case("keyword-as-outcome", "true := 1\n",
         "m.wc:11:1: error: 'true' is a keyword and cannot be a name"),
    Case("keyword-as-field", "def f() -> int = agent.if\n",
         "m.wc:11:24: error: 'if' is a keyword and cannot be a name"),
    Case("keyword-as-record", "record for {\n  a: bool\n}\n",
         "m.wc:11:8: error: 'for' is a keyword and cannot be a name"),
    Case("keyword-as-type", "def f(n: then) -> int = 1\n",
         "m.wc:11:10: error: 'then' is a keyword, not a type"),
    Case("keyword-after-bare-hole", "def f() -> int = count(o in ??: true)\n",
         "m.wc:11:33: error: 'true' is a keyword, not a type; to follow a bare hole with `:`, "
         "write `(??)`"),
    Case("underscore-as-param", "def f(_: int) -> int = 1\n",
         "m.wc:11:7: error: '_' cannot be a name: it is the wildcard of `match`"),
    Case("underscore-as-value", "def f() -> int = _\n",
         "m.wc:11:18: error: '_' cannot be a name: it is the wildcard of `match`"),
    Case("huge-literal", "def f() -> int = 2147483648\n",
         "m.wc:11:18: error: integer literal too large: the largest allowed is 2147483647"),
    Case("huge-range-bound", "def f(n: int[-2147483648..0]) -> int = n\n",
         "m.wc:11:14: error: integer literal too small: the smallest allowed is -2147483647"),
    Case("too-deep", "def f(b: bool) -> bool = " + "not " * 300 + "b\n",
         "m.wc:11:822: error: expression nested more than 100 levels deep"),
    Case("too-long", "def f(n: int) -> int = " + " + ".join(["n"] * 152) + "\n",
         "m.wc:11:24: error: expression more than 150 operators deep (every operator of a chain "
         "like `a + b + c` counts); split it with `let` or a helper function"),
    # -- types
    Case("type-mismatch-update", "transition {\n  agent.x := true\n}\n",
         "m.wc:12:14: error: expected `int`, found `bool`"),
    Case("type-mismatch-operand", "def f() -> int = 1 + true\n",
         "m.wc:11:22: error: expected `int`, found `bool`"),
    Case("if-branches-differ", "def f() -> bool = (if true then 1 else false) == 1\n",
         "m.wc:11:40: error: expected `int`, found `bool`"),
    Case("reward-is-int", "reward := true\n", "m.wc:11:11: error: expected `int`, found `bool`"),
    Case("unknown-type", "def f(k: Knd) -> int = 1\n",
         "m.wc:11:10: error: unknown type 'Knd'; did you mean 'Kind'?"),
    Case("range-on-bool", "def f(n: bool[0..1]) -> int = 1\n",
         "m.wc:11:10: error: only int takes a range, found `bool[0..1]`"),
    Case("empty-range", "def f(n: int[3..1]) -> int = 1\n",
         "m.wc:11:10: error: empty range: 3 is greater than 1"),
    Case("compare-records", "def f() -> bool = agent == agent\n",
         "m.wc:11:19: error: `==` compares bool, int, enum or word values, found `agent`"),
    Case("match-on-int", "def f() -> int = match 1 { _ => 2 }\n",
         "m.wc:11:24: error: `match` needs an enum value, found `int`"),
    Case("quantify-over-agent", "def f() -> bool = any(o in agent: true)\n",
         "m.wc:11:28: error: expected a list of objects (like `objects` or `next.objects`), "
         "found `agent`"),
    Case("field-of-int", "def f() -> int = agent.x.y\n",
         "m.wc:11:26: error: expected a record, state or enum before `.y`, found `int`"),
    Case("mod-by-variable", "def f(n: int) -> int = n % n\n",
         "m.wc:11:28: error: the right side of `%` must be a positive integer literal"),
    Case("div-by-zero", "def f(n: int) -> int = n // 0\n",
         "m.wc:11:29: error: the right side of `//` must be a positive integer literal"),
    # -- names
    Case("unknown-field", "def f() -> int = agent.xx\n",
         "m.wc:11:24: error: unknown agent field 'xx'; did you mean 'x'?"),
    Case("unknown-object-field", "def f(o: obj) -> bool = o.opn\n",
         "m.wc:11:27: error: unknown object field 'opn'; did you mean 'open'?"),
    Case("unknown-field-update", "transition {\n  agent.bb := true\n}\n",
         "m.wc:12:3: error: unknown agent field 'bb'; did you mean 'b'?"),
    Case("unknown-enum-value", "def f(o: obj) -> bool = o.kind == Kind.wal\n",
         "m.wc:11:40: error: Kind has no member 'wal'; did you mean 'wall'?"),
    Case("unknown-bare-member", "def f(o: obj) -> bool = o.kind == wal\n",
         "m.wc:11:35: error: unknown name 'wal'; did you mean 'wall'?"),
    Case("unknown-name", "def f() -> int = agnt.x\n",
         "m.wc:11:18: error: unknown name 'agnt'; did you mean 'agent'?"),
    Case("unknown-name-no-suggestion", "def f(n: int) -> int = zzz + n\n",
         "m.wc:11:24: error: unknown name 'zzz'"),
    Case("state-attribute", "def f() -> int = next.agnt.x\n",
         "m.wc:11:23: error: a state has `agent` and `objects`, found 'agnt'; did you mean 'agent'?"),
    Case("ambiguous-member", "enum Other { wall, x }\ndef f() -> bool = wall == wall\n",
         "m.wc:12:19: error: ambiguous enum member 'wall': write Kind.wall or Other.wall"),
    Case("action-without-actions", "def f() -> bool = action == left\n",
         "m.wc:1:19: error: `action` needs an `actions { ... }` declaration", header=False),
    Case("agent-without-record", "def f() -> int = agent.x\n",
         "m.wc:1:18: error: no `record agent { ... }` is declared", header=False),
    Case("rebind-global", "def f() -> int = let agent = 1 in agent\n",
         "m.wc:11:18: error: 'agent' is a built-in name and cannot be rebound"),
    # -- functions
    Case("unknown-function", "def fo(n: int) -> int = n\ndef f() -> int = foo(1)\n",
         "m.wc:12:18: error: unknown function 'foo'; did you mean 'fo'?"),
    Case("wrong-arity", "def g(a: int, b: int) -> int = a + b\ndef f() -> int = g(1)\n",
         "m.wc:12:18: error: g() expects 2 arguments, found 1"),
    Case("wrong-arity-builtin", "def f() -> int = abs(1, 2)\n",
         "m.wc:11:18: error: abs() expects 1 argument, found 2"),
    Case("recursion", "def f(n: int) -> int = f(n)\n",
         "m.wc:11:1: error: recursion is not allowed: f calls f"),
    Case("mutual-recursion", "def f(n: int) -> int = g(n)\ndef g(n: int) -> int = h(n)\n"
         "def h(n: int) -> int = f(n)\n",
         "m.wc:11:1: error: recursion is not allowed: f calls g calls h calls f"),
    Case("duplicate-function", "def f() -> int = 1\ndef f() -> int = 2\n",
         "m.wc:12:1: error: function 'f' is already defined at m.wc:11:1"),
    Case("function-named-like-enum", "def Kind() -> int = 1\n",
         "m.wc:11:1: error: 'Kind' is already defined at m.wc:1:1 (as an enum)"),
    Case("function-named-action", "def Action() -> int = 1\n",
         "m.wc:11:1: error: 'Action' is already defined at m.wc:2:1 (as the action enum)"),
    Case("enum-named-action", "enum Action { a }\n",
         "m.wc:11:1: error: 'Action' is already defined at m.wc:2:1 (as the action enum)"),
    Case("duplicate-parameter", "def f(a: int, a: int) -> int = a\n",
         "m.wc:11:15: error: parameter 'a' is listed twice"),
    Case("redefine-builtin", "def min(a: int) -> int = a\n",
         "m.wc:11:1: error: 'min' is a built-in function and cannot be redefined"),
    Case("lookup-needs-enum", "def f() -> Kind = lookup(wall, word(1), wall)\n",
         "m.wc:11:26: error: expected an enum name as the first argument, like "
         "`lookup(Color, word(1), red)`"),
    # -- declarations
    Case("duplicate-enum", "enum Kind { a }\n",
         "m.wc:11:1: error: enum 'Kind' is already defined at m.wc:1:1"),
    Case("enum-member-twice", "enum Other { a, b, a }\n",
         "m.wc:11:1: error: enum member 'a' is listed twice"),
    Case("int-field-without-bounds", "record agent {\n  x: int\n}\n",
         "m.wc:2:6: error: int field 'x' needs bounds, like `int[0..31]`", header=False),
    Case("word-field", "record agent {\n  w: word\n}\n",
         "m.wc:2:6: error: a record field must be bool, int[lo..hi] or an enum, found `word`",
         header=False),
    Case("field-twice", "record agent {\n  x: bool\n  x: bool\n}\n",
         "m.wc:3:3: error: field 'x' is declared twice", header=False),
    Case("record-name", "record thing {\n  a: bool\n}\n",
         "m.wc:11:1: error: expected `record agent` or `record object`, found `record thing`"),
    Case("record-twice", "record agent {\n  y: bool\n}\n",
         "m.wc:11:1: error: `record agent` is declared twice"),
    Case("outcome-name", "rewrd := 1\n",
         "m.wc:11:1: error: expected `reward :=` or `done :=`, found `rewrd :=`; did you mean "
         "'reward'?"),
    # -- transition
    Case("for-over-agents", "transition {\n  for o in agents {\n    o.open := true\n  }\n}\n",
         "m.wc:12:3: error: a for-rule runs over `objects`, found `agents`"),
    Case("if-statement", "transition {\n  if action == left { agent.x := 1 }\n}\n",
         "m.wc:12:3: error: there are no `if` statements; put the `if` on the right: "
         "`agent.FIELD := if ... then ... else agent.FIELD`"),
    Case("nested-for", "transition {\n  for o in objects {\n    for p in objects {\n    }\n"
         "  }\n}\n",
         "m.wc:13:5: error: a for-rule cannot contain another for-rule"),
    Case("while-loop", "transition {\n  while true { agent.x := 1 }\n}\n",
         "m.wc:12:3: error: there are no `while` loops; update `agent.FIELD := ...` directly, "
         "or use `for o in objects { ... }`"),
    Case("next-in-transition", "transition {\n  agent.b := next.agent.b\n}\n",
         "m.wc:12:14: error: `next` (the state after the action) is only available in reward "
         "and done"),
    Case("next-through-helper", "def nb() -> bool = next.agent.b\ntransition {\n"
         "  agent.b := nb()\n}\n",
         "m.wc:13:14: error: 'nb' reads `next`, which is only available in reward and done"),
    Case("agent-update-in-for", "transition {\n  for o in objects {\n    agent.b := true\n"
         "  }\n}\n",
         "m.wc:13:5: error: expected `o.FIELD :=` inside the for-rule, found `agent.b :=`"),
    Case("update-twice", "transition {\n  agent.b := true\n  agent.b := false\n}\n",
         "m.wc:13:3: error: field agent.b is updated twice"),
    Case("two-transitions", "transition {\n}\ntransition {\n}\n",
         "m.wc:13:1: error: only one `transition` is allowed; the first is at m.wc:11:1"),
    Case("two-for-rules", "transition {\n  for o in objects {\n  }\n  for p in objects {\n  }\n}\n",
         "m.wc:14:3: error: only one for-rule is allowed in a transition (put all object updates "
         "in it); the first is at m.wc:12:3"),
    Case("for-without-object-record", "record agent {\n  x: bool\n}\ntransition {\n"
         "  for o in objects {\n  }\n}\n",
         "m.wc:5:3: error: no `record object { ... }` is declared (a for-rule updates objects)",
         header=False),
    Case("update-without-agent-record", "record object {\n  a: bool\n}\ntransition {\n"
         "  agent.x := 1\n}\n",
         "m.wc:5:3: error: no `record agent { ... }` is declared", header=False),
    # -- match
    Case("non-exhaustive-match", "def f(o: obj) -> int = match o.kind { wall => 1, door => 2 }\n",
         "m.wc:11:24: error: `match` on Kind is not exhaustive: missing key (or add `_ => ...`)"),
    Case("unreachable-wildcard", "def f(o: obj) -> int =\n  match o.kind {\n    wall => 1,\n"
         "    door => 2,\n    key => 3,\n    _ => 4,\n  }\n",
         "m.wc:16:5: error: the `_` arm can never be reached: every member of Kind is matched"),
    Case("arm-after-wildcard", "def f(o: obj) -> int = match o.kind { wall => 1, _ => 4, door => 2 }\n",
         "m.wc:11:58: error: this arm can never be reached: it comes after `_`"),
    Case("arm-twice", "def f(o: obj) -> int = match o.kind { wall => 1, wall => 2, _ => 3 }\n",
         "m.wc:11:50: error: member 'wall' is matched twice"),
    Case("arm-unknown-member", "def f(o: obj) -> int = match o.kind { wall => 1, dor => 2, _ => 3 }\n",
         "m.wc:11:50: error: Kind has no member 'dor'; did you mean 'door'?"),
    # -- holes
    Case("hole-type-unknown", "def f() -> int = let y = ?? in 1\n",
         "m.wc:11:26: error: cannot infer the type of this hole; write it as `??: int` (or "
         "another type)"),
    Case("hole-type-unknown-both-sides", "def f() -> bool = ?? == ??\n",
         "m.wc:11:25: error: cannot infer the type of this hole; write it as `??: int` (or "
         "another type)"),
    Case("typed-hole-mismatch", "def f() -> int = ??: bool\n",
         "m.wc:11:18: error: expected `int`, found a hole of type `bool`"),
    Case("object-hole-needs-choices", "def f() -> obj = ??\n",
         "m.wc:11:18: error: a hole of type `obj` needs a list of choices: `??{a, b}`"),
    Case("hole-choice-type", "def f() -> int = ??{1, true}\n",
         "m.wc:11:24: error: expected `int`, found `bool`"),
]  # fmt: skip


def _params() -> list[object]:
    out: list[object] = []
    for c in CASES:
        marks = [pytest.mark.xfail(reason=c.propose, strict=True)] if c.propose else []
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


def test_case_ids_are_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", _params())
def test_error_message(case: Case) -> None:
    with pytest.raises(DslError) as info:
        check_text(case.text, "m.wc")
    assert [str(d) for d in info.value.diagnostics] == [case.expected]
    assert str(info.value) == case.expected


def test_independent_errors_are_all_reported() -> None:
    text = HEADER + "def f() -> int = true\ndef g() -> bool = 1\nreward := agnt.x\n"
    with pytest.raises(DslError) as info:
        check_text(text, "m.wc")
    assert str(info.value).splitlines() == [
        "m.wc:11:18: error: expected `int`, found `bool`",
        "m.wc:12:19: error: expected `bool`, found `int`",
        "m.wc:13:11: error: unknown name 'agnt'; did you mean 'agent'?",
    ]


def test_parse_expr_columns() -> None:
    with pytest.raises(DslError) as info:
        parse_expr("x $ y", "e")
    assert str(info.value) == "e:1:3: error: unexpected character '$'"
    assert str(parse_expr("agent.x + 1", "e").pos) == "e:1:1"


def test_parse_expr_rejects_trailing_declarations() -> None:
    with pytest.raises(DslError) as info:
        parse_expr("1\ndef g() -> int = 2", "e")
    assert str(info.value) == "e:2:1: error: unexpected 'def'; expected an operator or end of file"
    with pytest.raises(DslError) as info:
        parse_expr("1 +", "e")
    assert str(info.value) == "e:1:4: error: unexpected end of file; expected an expression"


# ----------------------------------------------------------------------------- files


def test_import_of_missing_file(tmp_path: Path) -> None:
    (tmp_path / "base.wc").write_text("enum Kind { wall }\n", encoding="utf-8")
    main = tmp_path / "main.wc"
    main.write_text('import "base.wc"\n\nimport "missing.wc"\n', encoding="utf-8")
    with pytest.raises(DslError) as info:
        check_file(main)
    assert str(info.value) == (
        f"{main}:3:1: error: imported file not found: 'missing.wc' ({tmp_path / 'missing.wc'})"
    )


def test_error_in_imported_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "base.wc").write_text("enum Kind { wall }\nenum Kind { door }\n", "utf-8")
    main = tmp_path / "main.wc"
    main.write_text('import "base.wc"\n', encoding="utf-8")
    with pytest.raises(DslError) as info:
        check_file(main)
    base = tmp_path / "base.wc"
    assert str(info.value) == f"{base}:2:1: error: enum 'Kind' is already defined at {base}:1:1"


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.wc"
    path.write_bytes("enum Kind { wall }\n# caf\u00e9\n".encode("latin-1"))
    with pytest.raises(DslError) as info:
        check_file(path)
    assert str(info.value) == f"{path}:2:6: error: the file is not UTF-8 text (byte 0xe9)"


# ----------------------------------------------------------------------------- run time

MODEL_WITH_HOLE = """\
actions { go, stay }
record agent {
  x: int[0..9]
}
transition {
  agent.x := if action == go then ?? else agent.x
}
reward := 0
done := false
"""


def test_hole_at_run_time_names_its_position() -> None:
    program = check_text(MODEL_WITH_HOLE, "holey.wc")
    assert len(program.holes) == 1
    with pytest.raises(RunError) as info:
        run_step(program, State((3,), ()), "stay", Mission.of("go"))
    assert str(info.value) == (
        "holey.wc:6:35: the hole `??` is unfilled; fill it (worldcoder solve) before running"
    )


# ----------------------------------------------------------------------------- large programs
# Sizes at which the old quadratic checks took tens of seconds (a 150k-member enum 86 s, a chain
# of 5,000 helpers 28.5 s); `python bench/check_speed.py` times them. These assert the answers.

CHAIN = 3000


def _chain(first_body: str) -> str:
    lines = [f"def f0(n: int) -> int = {first_body}"]
    lines += [f"def f{i}(n: int) -> int = f{i - 1}(n)" for i in range(1, CHAIN)]
    return HEADER + "\n".join(lines) + "\n"


def test_a_wide_enum_checks_and_its_duplicate_member_is_found() -> None:
    members = [f"m{i}" for i in range(100_000)]
    program = check_text(f"enum Big {{ {', '.join(members)} }}\n")
    assert program.schema.enums[0].members == tuple(members)
    with pytest.raises(DslError, match=r"^m.wc:1:1: error: enum member 'm5' is listed twice$"):
        check_text(f"enum Big {{ {', '.join([*members, 'm5'])} }}\n", "m.wc")


def test_a_long_chain_of_helpers_checks() -> None:
    program = check_text(_chain("n + 1"))
    assert [f.name for f in program.functions] == [f"f{i}" for i in range(CHAIN)]


def test_recursion_through_a_long_chain_is_found() -> None:
    cycle = ["f0", *(f"f{i}" for i in range(CHAIN - 1, 0, -1)), "f0"]
    with pytest.raises(DslError) as err:
        check_text(_chain(f"f{CHAIN - 1}(n)"), "m.wc")
    assert str(err.value) == "m.wc:11:1: error: recursion is not allowed: " + " calls ".join(cycle)


def test_reading_next_through_a_long_chain_is_found() -> None:
    text = _chain("n").replace("def f0(n: int) -> int = n", "def f0(n: int) -> int = next.agent.x")
    program = check_text(text + f"reward := f{CHAIN - 1}(0)\n")
    assert all(f.uses_next for f in program.functions)
    with pytest.raises(DslError, match=f"'f{CHAIN - 1}' reads `next`"):
        check_text(text + f"transition {{ agent.x := f{CHAIN - 1}(0) }}\n", "m.wc")
