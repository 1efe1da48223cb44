"""Parsing: DSL text -> `dsl.syntax.Module`, and files with their imports -> a list of modules.

Lark parses with the repository's `grammar.lark` (LALR, contextual lexer) and calls `_Builder`,
which has one method per grammar rule, at every reduction: the typed syntax tree is built inline
while parsing, with no intermediate Lark tree and no recursion. Lark keeps every token
(`keep_all_tokens`), so each node's position is the position of its first token.

Nesting is measured while the tree is built, so nothing downstream (checker, printer,
interpreter, compiler, Z3 encoding, all recursive) ever sees a tree deeper than it can walk with
Python's default recursion limit. Every failure is a located `DslError`. `strip_imports` drops
a program's `import` lines (the one definition used by the learner and the LLM proposer).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from copy import copy
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar

import lark
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dsl import syntax as S
from dsl.errors import Diagnostic, DslError

MAX_DEPTH = 100
"""Deepest expression nesting accepted (`not`, `-`, parentheses around a right operand, `if`,
`let`, calls, ...); deeper text is rejected with a located error. The operators of a left-assoc
chain `a + b + c` of one precedence level count as one level."""

MAX_HEIGHT = 150
"""Most levels of expression tree accepted, counting every operator of a chain (`a + b + ...`).
Keeps every recursive walk over a checked tree well inside Python's default recursion limit."""

INT_LIMIT = 2**31 - 1
"""Largest integer literal (and |range bound|) accepted."""

KEYWORDS = frozenset(
    [
        "import",
        "enum",
        "actions",
        "record",
        "def",
        "transition",
        "for",
        "in",
        "if",
        "then",
        "else",
        "let",
        "match",
        "any",
        "all",
        "count",
        "sum",
        "the",
        "where",
        "true",
        "false",
        "and",
        "or",
        "not",
    ]
)

_TERMINAL_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "NAME": "a name",
        "INT": "an integer",
        "STRING": 'a quoted word like "red"',
        "$END": "end of file",
    }
)

Start = Literal["start", "expr"]


def grammar_text() -> str:
    """The text of grammar.lark (shipped inside the `dsl` package)."""
    return resources.files("dsl").joinpath("grammar.lark").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- entry points


def parse_module(text: str, path: str = "<string>") -> S.Module:
    """Parse one file's text into a syntax tree; raises `DslError` with positions on bad input."""
    module = _parse(text, path, "start")
    assert isinstance(module, S.Module)
    return module


def parse_expr(text: str, path: str = "<expr>") -> S.Expr:
    """Parse a single expression (for invariants and the command line); nothing may follow it."""
    return _parse(text, path, "expr")  # type: ignore[no-any-return]


_IMPORT_LINE = re.compile(
    r'^[ \t]*import[ \t]+("[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*)[ \t]*(#[^\n]*)?$', re.MULTILINE
)


def strip_imports(text: str) -> str:
    """A program without its `import` lines (a saved model or a warm start imports the prior,
    which the caller puts back in scope itself)."""
    return _IMPORT_LINE.sub("", text).strip()


def read_source(path: Path) -> str:
    """Read a .wc file as UTF-8, turning I/O and decoding failures into located errors."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DslError.at(S.Pos(str(path), 1, 1), f"cannot read file: {err.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        bad = data[err.start : err.start + 1].hex()
        raise DslError.at(
            S.Pos(str(path), line, col), f"the file is not UTF-8 text (byte 0x{bad})"
        ) from None


LIBRARY = "models"
"""The package holding the library modules that `import NAME` names (models/NAME.wc): the
priors, the reference models and the prelude, shipped as package data."""


def library_path(name: str) -> Path:
    """The file of library module `name` (it may not exist)."""
    return Path(str(resources.files(LIBRARY).joinpath(f"{name}.wc")))


def library_names() -> list[str]:
    """The library modules there are, sorted."""
    folder = resources.files(LIBRARY)
    return sorted(f.name[:-3] for f in folder.iterdir() if f.name.endswith(".wc"))


def _library_target(item: S.LibraryImport) -> Path:
    target = library_path(item.name)
    if not target.is_file():
        known = ", ".join(library_names())
        raise DslError.at(item.pos, f"no library module {item.name!r} (the library has: {known})")
    return target


def parse_file(path: str | Path) -> S.Module:
    p = Path(path)
    return parse_module(read_source(p), str(p))


def load_modules(path: str | Path) -> list[S.Module]:
    """A file and everything it imports (depth first, each file once), imports before importers.

    Iterative, so a long chain of imports cannot exhaust the Python stack.
    """
    order: list[S.Module] = []
    seen: set[Path] = set()

    def visit(p: Path) -> tuple[S.Module, list[Path]] | None:
        key = p.resolve()
        if key in seen:
            return None
        seen.add(key)
        module = parse_file(p)
        targets: list[Path] = []
        for item in module.items:
            if isinstance(item, S.Import):
                target = p.parent / item.path
                if not target.is_file():
                    raise DslError.at(
                        item.pos, f"imported file not found: {item.path!r} ({target})"
                    )
                targets.append(target)
            elif isinstance(item, S.LibraryImport):
                targets.append(_library_target(item))
        return module, targets

    first = visit(Path(path))
    assert first is not None
    # each entry: a parsed module and the imports of it still to visit, in reverse order
    stack: list[tuple[S.Module, list[Path]]] = [(first[0], first[1][::-1])]
    while stack:
        module, todo = stack[-1]
        if not todo:
            order.append(module)
            stack.pop()
            continue
        found = visit(todo.pop())
        if found is not None:
            stack.append((found[0], found[1][::-1]))
    return order


# ----------------------------------------------------------------------------- the parser

_LOCK = threading.Lock()  # the one builder holds the path of the text being parsed


@cache
def _parser() -> tuple[lark.Lark, _Builder]:
    builder = _Builder()
    parser = lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        start=["start", "expr"],
        keep_all_tokens=True,
        maybe_placeholders=False,
        transformer=builder,
    )
    return parser, builder


def _parse(text: str, path: str, start: Start) -> Any:
    parser, builder = _parser()
    with _LOCK:
        builder.reset(path)
        try:
            return parser.parse(text, start=start)
        except DslError:
            raise
        except UnexpectedInput as err:
            raise DslError([_diagnose(err, path, text, start)]) from None
        except Exception as err:  # a bug or a resource limit while building the tree
            pos = _failure_pos(text, path, start)
            raise DslError.at(pos, f"cannot parse this: {type(err).__name__}: {err}") from None
        finally:
            builder.reset("<string>")


def _failure_pos(text: str, path: str, start: Start) -> S.Pos:
    """Where building the tree fails: replay the parse one token at a time."""
    parser, builder = _parser()
    builder.reset(path)
    ip = parser.parse_interactive(text, start=start)
    last: Token | None = None
    try:
        for tok in ip.iter_parse():  # yields each token before feeding it
            last = tok
        ip.feed_eof(last)  # type: ignore[no-untyped-call]
    except Exception:  # any failure: report the token being fed when it happened
        if last is not None:
            return S.Pos(path, last.line or 1, last.column or 1)
    return _end(path, text)


# ----------------------------------------------------------------------------- errors


def _end(path: str, text: str) -> S.Pos:
    return S.Pos(path, text.count("\n") + 1, len(text) - (text.rfind("\n") + 1) + 1)


@cache
def _patterns() -> Mapping[str, str]:
    """Terminal name -> the literal text of a keyword or punctuation terminal."""
    parser, _ = _parser()
    return MappingProxyType(
        {
            t.name: t.pattern.value
            for t in parser.terminals
            if isinstance(t.pattern, lark.lexer.PatternStr)
        }
    )


def _key(terminal: str) -> str:
    """`NAME`, `INT`, `STRING`, `$END`, or the literal text of the terminal (`+`, `then`)."""
    return _patterns().get(terminal, terminal)


_ATOM_STARTS = frozenset(
    ["INT", "STRING", "NAME", "true", "false", "(", "match", "any", "all", "count", "sum", "the"]
) | {"??"}
_EXPR_STARTS = _ATOM_STARTS | {"-", "not", "if", "let"}
_OPERATORS = frozenset(
    ["or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "//", "%", "."]
)
_DECL_KEYWORDS = frozenset(["import", "enum", "actions", "record", "def", "transition"])


def _describe(key: str) -> str:
    return _TERMINAL_WORDS.get(key) or f"'{key}'"


def _expected(terminals: Iterable[str]) -> str:
    """What could come next, in words: token lists are summarised where they mean one thing."""
    keys = {_key(t) for t in terminals}
    groups: list[str] = []
    if keys >= _ATOM_STARTS:
        groups.append("an expression")
        keys -= _EXPR_STARTS
    if {"+", "*"} <= keys:
        groups.append("an operator")
        keys -= _OPERATORS
    if keys >= _DECL_KEYWORDS:
        groups.append("a new declaration")
        keys -= _DECL_KEYWORDS | {"NAME", "$END"}
    words = sorted(_describe(k) for k in keys - {"$END"})
    if len(words) > 12:
        words = [*words[:12], "..."]
    items = words + groups + ([_describe("$END")] if "$END" in keys else [])
    if not groups:
        return ", ".join(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _replay(text: str, start: Start, bad: Token) -> tuple[set[str], Token | None, set[str]]:
    """Parse again up to (not including) the offending token, without building anything.

    Returns the terminals that may really come next (LALR error states list lookaheads that a
    later reduction would reject), the token before the offending one, and the terminals the
    parser accepted just before that token.
    """
    parser, _ = _parser()
    ip = parser.parse_interactive(text, start=start)
    conf = copy(ip.parser_state.parse_conf)
    conf.callbacks = {}
    ip.parser_state.parse_conf = conf
    states = conf.parse_table.states
    prev: Token | None = None
    prev_choices: set[str] = set()
    try:
        for tok in ip.iter_parse():  # yields each token before feeding it
            if bad.type != "$END" and (tok.start_pos or 0) >= (bad.start_pos or 0):
                break
            prev, prev_choices = tok, set(states[ip.parser_state.position])
    except UnexpectedInput:  # the lexer itself rejected the offending token
        pass
    accepts: set[str] = ip.accepts()  # type: ignore[no-untyped-call]
    return accepts, prev, prev_choices


# Statements from other languages where a transition expects `TARGET.FIELD := ...` (the lexer
# reads the word as a NAME there); {t} is `agent`, or the for-rule's variable inside one.
_FOREIGN_STATEMENTS: Mapping[str, str] = MappingProxyType(
    {
        "while": "there are no `while` loops; update `{t}.FIELD := ...` directly{more}",
        "if": "there are no `if` statements; put the `if` on the right: "
        "`{t}.FIELD := if ... then ... else {t}.FIELD`",
        "for": "a for-rule cannot contain another for-rule",
        "let": "`let` goes on the right of an update: `{t}.FIELD := let x = ... in ...`",
        "match": "`match` goes on the right of an update: `{t}.FIELD := match ... {{ ... }}`",
    }
)
_FOR_HEAD = re.compile(r"\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b")


def _foreign_statement(word: str, in_for: bool, before: str) -> str:
    heads = _FOR_HEAD.findall(before) if in_for else []
    target = heads[-1] if heads else "agent"
    more = "" if in_for else ", or use `for o in objects { ... }`"
    return _FOREIGN_STATEMENTS[word].format(t=target, more=more)


def _diagnose(err: UnexpectedInput, path: str, text: str, start: Start) -> Diagnostic:
    line, col = max(err.line, 1), max(err.column, 1)
    pos = S.Pos(path, line, col)
    if isinstance(err, UnexpectedCharacters):
        if err.char == '"':
            rest = text[(err.pos_in_stream or 0) + 1 :].split("\n", 1)[0]
            if '"' in rest:
                return Diagnostic(pos, "a quoted word cannot contain a backslash")
            return Diagnostic(
                pos, 'unterminated word: a quoted word must end with " on the same line'
            )
        return Diagnostic(pos, f"unexpected character {err.char!r}")
    if isinstance(err, UnexpectedEOF):
        return Diagnostic(
            _end(path, text), f"unexpected end of file; expected {_expected(err.expected)}"
        )
    if isinstance(err, UnexpectedToken):
        tok = err.token
        accepts, prev, prev_choices = _replay(text, start, tok)
        accepts = accepts or set(err.expected)
        if (
            prev is not None
            and prev.type == "NAME"
            and str(prev) in _FOREIGN_STATEMENTS
            and {"NAME", "RBRACE"} <= prev_choices
            and accepts == {"DOT"}
        ):
            # `while` / `if` / ... where a transition expects `target.FIELD := ...`
            in_for = "FOR" not in prev_choices
            message = _foreign_statement(str(prev), in_for, text[: prev.start_pos or 0])
            return Diagnostic(S.Pos(path, prev.line or line, prev.column or col), message)
        if tok.type == "$END":
            return Diagnostic(
                _end(path, text), f"unexpected end of file; expected {_expected(accepts)}"
            )
        pos = S.Pos(path, tok.line or line, tok.column or col)
        return Diagnostic(pos, f"unexpected {str(tok)!r}; expected {_expected(accepts)}")
    return Diagnostic(pos, "syntax error")


# ----------------------------------------------------------------------------- tree building

N = TypeVar("N")


def _binary(op: S.BinOp, level: int) -> Callable[[_Builder, list[Any]], S.Binary]:
    def build(self: _Builder, c: list[Any]) -> S.Binary:
        left, right = c[0], c[2]
        same = level != _NO_CHAIN and isinstance(left, S.Binary) and _LEVEL[left.op] == level
        chain = left if same else None
        return self.nested(S.Binary(op, left, right, self.at(left)), (left, right), chain)

    return build


def _quant(kind: S.QuantKind) -> Callable[[_Builder, list[Any]], S.Quant]:
    # kind "(" NAME "in" expr ":" expr ")"
    def build(self: _Builder, c: list[Any]) -> S.Quant:
        node = S.Quant(kind, self.name_of(c[2]), c[4], c[6], self.at(c[0]))
        return self.nested(node, (c[4], c[6]))

    return build


_LEVEL: Mapping[str, int] = MappingProxyType(
    {
        "or": 1, "and": 2,
        "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
        "+": 4, "-": 4, "*": 5, "//": 5, "%": 5,
    }
)  # fmt: skip
_NO_CHAIN = 3  # comparisons do not chain (`a == b == c` is not in the grammar)


def _tokens(c: list[Any], kind: str) -> list[Token]:
    return [t for t in c if isinstance(t, Token) and t.type == kind]


class _Builder(lark.Transformer[Token, Any]):
    """One method per grammar rule (or alias) of grammar.lark, called by Lark at each reduction
    with every child (keywords and punctuation included); each returns a syntax node."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.path = "<string>"
        self.depth: dict[int, tuple[int, int]] = {}  # id(expr) -> (nesting, height); leaves 0
        self.parens: dict[int, S.Pos] = {}  # id(expr) -> its outermost `(`

    def reset(self, path: str) -> None:
        self.path = path
        self.depth = {}
        self.parens = {}

    def at(self, x: Any) -> S.Pos:
        """Where a token, or the text of a syntax node (with its parentheses), starts."""
        while True:
            if isinstance(x, Token):
                return S.Pos(self.path, x.line or 1, x.column or 1)
            paren = self.parens.get(id(x))
            if paren is not None:
                return paren
            if not isinstance(x, S.Attr):
                pos: S.Pos = x.pos
                return pos
            x = x.base  # an Attr's own position is its field name

    def name_of(self, tok: Token) -> str:
        word = str(tok)
        if word in KEYWORDS:
            raise DslError.at(self.at(tok), f"{word!r} is a keyword and cannot be a name")
        if word == "_":
            raise DslError.at(self.at(tok), "'_' cannot be a name: it is the wildcard of `match`")
        return word

    def type_of(self, t: S.TypeName, hole: bool = False) -> S.TypeName:
        if t.name in KEYWORDS:
            hint = "; to follow a bare hole with `:`, write `(??)`" if hole else ""
            raise DslError.at(t.pos, f"{t.name!r} is a keyword, not a type{hint}")
        return t

    def integer(self, tok: Token, sign: Token | None = None) -> int:
        """An INT token's value (negated after a `-` sign token), bounded by INT_LIMIT."""
        negative = sign is not None
        digits = str(tok).lstrip("0")
        value = int(digits or "0") if len(digits) <= 12 else INT_LIMIT + 1
        if value > INT_LIMIT:
            if negative:
                message = f"integer literal too small: the smallest allowed is {-INT_LIMIT}"
            else:
                message = f"integer literal too large: the largest allowed is {INT_LIMIT}"
            raise DslError.at(self.at(sign or tok), message)
        return -value if negative else value

    def nested(self, node: N, kids: Iterable[Any], chain: object = None) -> N:
        """Record how deep `node` nests (kids: its direct sub-expressions), or reject it."""
        nest = height = 0
        get = self.depth.get
        for kid in kids:
            n, h = get(id(kid), (0, 0))
            if kid is not chain:
                n += 1
            nest = max(nest, n)
            height = max(height, h + 1)
        pos: S.Pos = node.pos  # type: ignore[attr-defined]
        if nest > MAX_DEPTH:
            raise DslError.at(pos, f"expression nested more than {MAX_DEPTH} levels deep")
        if height > MAX_HEIGHT:
            raise DslError.at(
                pos,
                f"expression more than {MAX_HEIGHT} operators deep (every operator of a chain "
                "like `a + b + c` counts); split it with `let` or a helper function",
            )
        self.depth[id(node)] = (nest, height)
        return node

    # -- declarations
    def start(self, c: list[S.Item]) -> S.Module:
        return S.Module(tuple(c), self.path)

    def import_decl(self, c: list[Token]) -> S.Import:
        return S.Import(str(c[1])[1:-1], self.at(c[0]))

    def library_import(self, c: list[Token]) -> S.LibraryImport:
        return S.LibraryImport(self.name_of(c[1]), self.at(c[0]))

    def enum_decl(self, c: list[Any]) -> S.EnumDecl:
        return S.EnumDecl(self.name_of(c[1]), c[3], self.at(c[0]))

    def actions_decl(self, c: list[Any]) -> S.ActionsDecl:
        return S.ActionsDecl(c[2], self.at(c[0]))

    def name_list(self, c: list[Token]) -> tuple[str, ...]:
        return tuple(self.name_of(t) for t in _tokens(c, "NAME"))

    def record_decl(self, c: list[Any]) -> S.RecordDecl:
        fields = tuple(f for f in c[3:-1] if isinstance(f, S.FieldDecl))
        return S.RecordDecl(self.name_of(c[1]), fields, self.at(c[0]))

    def field_decl(self, c: list[Any]) -> S.FieldDecl:
        return S.FieldDecl(self.name_of(c[0]), self.type_of(c[2]), self.at(c[0]))

    def fn_decl(self, c: list[Any]) -> S.FnDecl:
        # "def" NAME "(" param_list? ")" "->" type "=" expr
        params: tuple[S.Param, ...] = c[3] if isinstance(c[3], tuple) else ()
        ret = self.type_of(c[-3])
        return S.FnDecl(self.name_of(c[1]), params, ret, c[-1], self.at(c[0]))

    def param_list(self, c: list[Any]) -> tuple[S.Param, ...]:
        return tuple(p for p in c if isinstance(p, S.Param))

    def param(self, c: list[Any]) -> S.Param:
        return S.Param(self.name_of(c[0]), self.type_of(c[2]), self.at(c[0]))

    def named_type(self, c: list[Token]) -> S.TypeName:
        return S.TypeName(str(c[0]), None, None, self.at(c[0]))

    def range_type(self, c: list[Any]) -> S.TypeName:
        # NAME "[" signed_int ".." signed_int "]"
        return S.TypeName(str(c[0]), c[2], c[4], self.at(c[0]))

    def signed_int(self, c: list[Token]) -> int:
        return self.integer(c[0])

    def neg_int(self, c: list[Token]) -> int:
        return self.integer(c[1], sign=c[0])

    def transition_decl(self, c: list[Any]) -> S.TransitionDecl:
        return S.TransitionDecl(tuple(c[2:-1]), self.at(c[0]))

    def update(self, c: list[Any]) -> S.Update:
        # NAME "." NAME ":=" expr
        return S.Update(self.name_of(c[0]), self.name_of(c[2]), c[4], self.at(c[0]))

    def for_block(self, c: list[Any]) -> S.ForBlock:
        # "for" NAME "in" NAME "{" update* "}"
        var, coll = self.name_of(c[1]), self.name_of(c[3])
        return S.ForBlock(var, coll, tuple(c[5:-1]), self.at(c[0]))

    def outcome_decl(self, c: list[Any]) -> S.OutcomeDecl:
        return S.OutcomeDecl(self.name_of(c[0]), c[2], self.at(c[0]))

    # -- expressions
    def if_expr(self, c: list[Any]) -> S.If:
        # "if" expr "then" expr "else" expr
        return self.nested(S.If(c[1], c[3], c[5], self.at(c[0])), (c[1], c[3], c[5]))

    def let_expr(self, c: list[Any]) -> S.Let:
        # "let" NAME "=" expr "in" expr
        node = S.Let(self.name_of(c[1]), c[3], c[5], self.at(c[0]))
        return self.nested(node, (c[3], c[5]))

    def atom(self, c: list[Any]) -> S.Expr:
        # "(" expr ")": the parentheses leave no trace in the tree, but a node that starts with
        # this one (`(a + b) * c`) starts at the `(`
        inner: S.Expr = c[1]
        self.parens[id(inner)] = self.at(c[0])
        return inner

    any_expr = _quant("any")
    all_expr = _quant("all")
    count_expr = _quant("count")
    sum_expr = _quant("sum")

    def the_expr(self, c: list[Any]) -> S.The:
        # "the" "(" NAME "in" expr "where" expr ":" expr "else" expr ")"
        kids = (c[4], c[6], c[8], c[10])
        return self.nested(S.The(self.name_of(c[2]), *kids, self.at(c[0])), kids)

    or_op = _binary("or", 1)
    and_op = _binary("and", 2)
    eq_op = _binary("==", _NO_CHAIN)
    ne_op = _binary("!=", _NO_CHAIN)
    lt_op = _binary("<", _NO_CHAIN)
    le_op = _binary("<=", _NO_CHAIN)
    gt_op = _binary(">", _NO_CHAIN)
    ge_op = _binary(">=", _NO_CHAIN)
    add_op = _binary("+", 4)
    sub_op = _binary("-", 4)
    mul_op = _binary("*", 5)
    div_op = _binary("//", 5)
    mod_op = _binary("%", 5)

    def not_op(self, c: list[Any]) -> S.Not:
        return self.nested(S.Not(c[1], self.at(c[0])), (c[1],))

    def neg_op(self, c: list[Any]) -> S.Neg:
        return self.nested(S.Neg(c[1], self.at(c[0])), (c[1],))

    def attr(self, c: list[Any]) -> S.Attr:
        # postfix "." NAME
        return self.nested(S.Attr(c[0], self.name_of(c[2]), self.at(c[2])), (c[0],))

    def int_lit(self, c: list[Token]) -> S.IntLit:
        return S.IntLit(self.integer(c[0]), self.at(c[0]))

    def true_lit(self, c: list[Token]) -> S.BoolLit:
        return S.BoolLit(True, self.at(c[0]))

    def false_lit(self, c: list[Token]) -> S.BoolLit:
        return S.BoolLit(False, self.at(c[0]))

    def word_lit(self, c: list[Token]) -> S.WordLit:
        return S.WordLit(str(c[0])[1:-1], self.at(c[0]))

    def name(self, c: list[Token]) -> S.Name:
        return S.Name(self.name_of(c[0]), self.at(c[0]))

    def call(self, c: list[Any]) -> S.Call:
        # NAME "(" arg_list? ")"
        args: tuple[S.Expr, ...] = c[2] if len(c) == 4 else ()
        return self.nested(S.Call(self.name_of(c[0]), args, self.at(c[0])), args)

    def arg_list(self, c: list[Any]) -> tuple[S.Expr, ...]:
        return tuple(e for e in c if not isinstance(e, Token))

    def match_expr(self, c: list[Any]) -> S.Match:
        # "match" expr "{" case_list "}"
        cases: tuple[S.Case, ...] = c[3]
        node = S.Match(c[1], cases, self.at(c[0]))
        return self.nested(node, (c[1], *(k.body for k in cases)))

    def case_list(self, c: list[Any]) -> tuple[S.Case, ...]:
        return tuple(k for k in c if isinstance(k, S.Case))

    def enum_case(self, c: list[Any]) -> S.Case:
        return S.Case(self.name_of(c[0]), c[2], self.at(c[0]))

    def default_case(self, c: list[Any]) -> S.Case:
        return S.Case(None, c[2], self.at(c[0]))

    def plain_hole(self, c: list[Token]) -> S.Hole:
        return S.Hole(None, None, self.at(c[0]))

    def typed_hole(self, c: list[Any]) -> S.Hole:
        return S.Hole(self.type_of(c[2], hole=True), None, self.at(c[0]))

    def choice_hole(self, c: list[Any]) -> S.Hole:
        # "??" "{" arg_list "}"
        choices: tuple[S.Expr, ...] = c[2]
        return self.nested(S.Hole(None, choices, self.at(c[0])), choices)
