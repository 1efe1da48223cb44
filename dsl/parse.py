"""Parsing: DSL text -> `dsl.syntax.Module`, and files with their imports -> a list of modules.

Lark parses with the repository's `grammar.lark` (LALR, contextual lexer) and builds the typed
syntax tree inline through `BuildSyntax`, a Transformer with one method per grammar rule, so no
recursion happens while parsing. Lark's exceptions are turned into located `DslError`s here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import lark
from lark import Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.tree import Meta

from dsl import syntax as S
from dsl.errors import Diagnostic, DslError

MAX_DEPTH = 200
"""Deepest expression nesting accepted; deeper text is rejected with a located error."""

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


def grammar_text() -> str:
    """The text of grammar.lark (shipped inside the `dsl` package)."""
    return resources.files("dsl").joinpath("grammar.lark").read_text(encoding="utf-8")


@cache
def _parser() -> lark.Lark:
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
    )


def parse_module(text: str, path: str = "<string>") -> S.Module:
    """Parse one file's text into a syntax tree; raises `DslError` with positions on bad input."""
    builder = BuildSyntax(path)
    try:
        tree = _parser().parse(text, on_error=None)
    except UnexpectedInput as err:
        raise DslError([_diagnose(err, path, text)]) from None
    _check_depth(tree, path)
    try:
        return builder.transform(tree)
    except VisitError as err:
        if isinstance(err.orig_exc, DslError):
            raise err.orig_exc from None
        raise


def parse_expr(text: str, path: str = "<expr>") -> S.Expr:
    """Parse a single expression (for invariants and the command line)."""
    module = parse_module(f"def __expr__() -> bool = {text}", path)
    item = module.items[0]
    assert isinstance(item, S.FnDecl)
    return item.body


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


def parse_file(path: str | Path) -> S.Module:
    p = Path(path)
    return parse_module(read_source(p), str(p))


def load_modules(path: str | Path) -> list[S.Module]:
    """A file and everything it imports (depth first, each file once), imports before importers."""
    order: list[S.Module] = []
    _load(Path(path), order, seen=set(), stack=())
    return order


def _load(path: Path, order: list[S.Module], seen: set[Path], stack: tuple[Path, ...]) -> None:
    key = path.resolve()
    if key in seen:
        return
    seen.add(key)
    module = parse_file(path)
    for item in module.items:
        if isinstance(item, S.Import):
            target = path.parent / item.path
            if not target.is_file():
                raise DslError.at(item.pos, f"imported file not found: {item.path!r} ({target})")
            _load(target, order, seen, (*stack, key))
    order.append(module)


# ----------------------------------------------------------------------------- errors


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    try:
        pattern = _parser().get_terminal(name).pattern
    except KeyError:
        return name
    if isinstance(pattern, lark.lexer.PatternStr):
        return f"'{pattern.value}'"
    return name


def _expected(names: Iterable[str]) -> str:
    words = sorted({_describe_terminal(n) for n in names})
    if len(words) > 12:
        words = [*words[:12], "..."]
    return ", ".join(words)


def _diagnose(err: UnexpectedInput, path: str, text: str) -> Diagnostic:
    line, col = max(err.line, 1), max(err.column, 1)
    pos = S.Pos(path, line, col)
    if isinstance(err, UnexpectedCharacters):
        return Diagnostic(pos, f"unexpected character {err.char!r}")
    end = S.Pos(path, text.count("\n") + 1, len(text) - (text.rfind("\n") + 1) + 1)
    if isinstance(err, UnexpectedEOF):
        return Diagnostic(end, f"unexpected end of file; expected {_expected(err.expected)}")
    if isinstance(err, UnexpectedToken):
        tok = err.token
        if tok.type == "$END":
            return Diagnostic(end, f"unexpected end of file; expected {_expected(err.expected)}")
        pos = S.Pos(path, tok.line or line, tok.column or col)
        return Diagnostic(pos, f"unexpected {str(tok)!r}; expected {_expected(err.expected)}")
    return Diagnostic(pos, "syntax error")


def _check_depth(tree: Tree[Token], path: str) -> None:
    """Reject trees nested deeper than MAX_DEPTH, iteratively, before anything recurses on them."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            pos = S.Pos(path, getattr(meta, "line", 1), getattr(meta, "column", 1))
            raise DslError.at(pos, f"expression nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


# ----------------------------------------------------------------------------- tree -> syntax


def _binary(op: S.BinOp) -> Callable[..., S.Binary]:
    def build(self: BuildSyntax, meta: Meta, c: list[Any]) -> S.Binary:
        return S.Binary(op, c[0], c[1], self.pos(meta))

    return build


def _quant(kind: S.QuantKind) -> Callable[..., S.Quant]:
    def build(self: BuildSyntax, meta: Meta, c: list[Any]) -> S.Quant:
        return S.Quant(kind, self.name_of(c[0]), c[1], c[2], self.pos(meta))

    return build


@v_args(meta=True)
class BuildSyntax(Transformer[Token, S.Module]):
    """One method per grammar rule (or alias) of grammar.lark; each returns a syntax node."""

    def __init__(self, path: str) -> None:
        super().__init__(visit_tokens=False)
        self.path = path

    def pos(self, meta: Meta | Token) -> S.Pos:
        line = getattr(meta, "line", None) or 1
        col = getattr(meta, "column", None) or 1
        return S.Pos(self.path, line, col)

    def name_of(self, tok: Token) -> str:
        if str(tok) in KEYWORDS:
            raise DslError.at(self.pos(tok), f"{str(tok)!r} is a keyword and cannot be a name")
        return str(tok)

    # -- declarations
    def start(self, meta: Meta, items: list[S.Item]) -> S.Module:
        return S.Module(tuple(items), self.path)

    def import_decl(self, meta: Meta, c: list[Token]) -> S.Import:
        return S.Import(str(c[0])[1:-1], self.pos(meta))

    def enum_decl(self, meta: Meta, c: list[Any]) -> S.EnumDecl:
        return S.EnumDecl(self.name_of(c[0]), c[1], self.pos(meta))

    def actions_decl(self, meta: Meta, c: list[Any]) -> S.ActionsDecl:
        return S.ActionsDecl(c[0], self.pos(meta))

    def name_list(self, meta: Meta, c: list[Token]) -> tuple[str, ...]:
        return tuple(self.name_of(t) for t in c)

    def record_decl(self, meta: Meta, c: list[Any]) -> S.RecordDecl:
        return S.RecordDecl(str(c[0]), tuple(c[1:]), self.pos(meta))

    def field_decl(self, meta: Meta, c: list[Any]) -> S.FieldDecl:
        return S.FieldDecl(self.name_of(c[0]), c[1], self.pos(meta))

    def fn_decl(self, meta: Meta, c: list[Any]) -> S.FnDecl:
        params: tuple[S.Param, ...] = c[1] if len(c) == 4 else ()
        return S.FnDecl(self.name_of(c[0]), params, c[-2], c[-1], self.pos(meta))

    def param_list(self, meta: Meta, c: list[S.Param]) -> tuple[S.Param, ...]:
        return tuple(c)

    def param(self, meta: Meta, c: list[Any]) -> S.Param:
        return S.Param(self.name_of(c[0]), c[1], self.pos(meta))

    def named_type(self, meta: Meta, c: list[Token]) -> S.TypeName:
        return S.TypeName(str(c[0]), None, None, self.pos(meta))

    def range_type(self, meta: Meta, c: list[Any]) -> S.TypeName:
        return S.TypeName(str(c[0]), c[1], c[2], self.pos(meta))

    def signed_int(self, meta: Meta, c: list[Token]) -> int:
        return int(c[0])

    def neg_int(self, meta: Meta, c: list[Token]) -> int:
        return -int(c[0])

    def transition_decl(self, meta: Meta, c: list[Any]) -> S.TransitionDecl:
        return S.TransitionDecl(tuple(c), self.pos(meta))

    def update(self, meta: Meta, c: list[Any]) -> S.Update:
        return S.Update(str(c[0]), str(c[1]), c[2], self.pos(meta))

    def for_block(self, meta: Meta, c: list[Any]) -> S.ForBlock:
        return S.ForBlock(self.name_of(c[0]), str(c[1]), tuple(c[2:]), self.pos(meta))

    def outcome_decl(self, meta: Meta, c: list[Any]) -> S.OutcomeDecl:
        return S.OutcomeDecl(str(c[0]), c[1], self.pos(meta))

    # -- expressions
    def if_expr(self, meta: Meta, c: list[Any]) -> S.If:
        return S.If(c[0], c[1], c[2], self.pos(meta))

    def let_expr(self, meta: Meta, c: list[Any]) -> S.Let:
        return S.Let(self.name_of(c[0]), c[1], c[2], self.pos(meta))

    any_expr = _quant("any")
    all_expr = _quant("all")
    count_expr = _quant("count")
    sum_expr = _quant("sum")

    def the_expr(self, meta: Meta, c: list[Any]) -> S.The:
        return S.The(self.name_of(c[0]), c[1], c[2], c[3], c[4], self.pos(meta))

    or_op = _binary("or")
    and_op = _binary("and")
    eq_op = _binary("==")
    ne_op = _binary("!=")
    lt_op = _binary("<")
    le_op = _binary("<=")
    gt_op = _binary(">")
    ge_op = _binary(">=")
    add_op = _binary("+")
    sub_op = _binary("-")
    mul_op = _binary("*")
    div_op = _binary("//")
    mod_op = _binary("%")

    def not_op(self, meta: Meta, c: list[Any]) -> S.Not:
        return S.Not(c[0], self.pos(meta))

    def neg_op(self, meta: Meta, c: list[Any]) -> S.Neg:
        return S.Neg(c[0], self.pos(meta))

    def attr(self, meta: Meta, c: list[Any]) -> S.Attr:
        return S.Attr(c[0], str(c[1]), self.pos(c[1]))

    def int_lit(self, meta: Meta, c: list[Token]) -> S.IntLit:
        return S.IntLit(int(c[0]), self.pos(meta))

    def true_lit(self, meta: Meta, c: list[Token]) -> S.BoolLit:
        return S.BoolLit(True, self.pos(meta))

    def false_lit(self, meta: Meta, c: list[Token]) -> S.BoolLit:
        return S.BoolLit(False, self.pos(meta))

    def word_lit(self, meta: Meta, c: list[Token]) -> S.WordLit:
        return S.WordLit(str(c[0])[1:-1], self.pos(meta))

    def name(self, meta: Meta, c: list[Token]) -> S.Name:
        return S.Name(str(c[0]), self.pos(meta))

    def call(self, meta: Meta, c: list[Any]) -> S.Call:
        args: tuple[S.Expr, ...] = c[1] if len(c) == 2 else ()
        return S.Call(str(c[0]), args, self.pos(meta))

    def arg_list(self, meta: Meta, c: list[S.Expr]) -> tuple[S.Expr, ...]:
        return tuple(c)

    def match_expr(self, meta: Meta, c: list[Any]) -> S.Match:
        return S.Match(c[0], c[1], self.pos(meta))

    def case_list(self, meta: Meta, c: list[S.Case]) -> tuple[S.Case, ...]:
        return tuple(c)

    def enum_case(self, meta: Meta, c: list[Any]) -> S.Case:
        return S.Case(str(c[0]), c[1], self.pos(meta))

    def default_case(self, meta: Meta, c: list[Any]) -> S.Case:
        return S.Case(None, c[0], self.pos(meta))

    def plain_hole(self, meta: Meta, c: list[Any]) -> S.Hole:
        return S.Hole(None, None, self.pos(meta))

    def typed_hole(self, meta: Meta, c: list[Any]) -> S.Hole:
        return S.Hole(c[0], None, self.pos(meta))

    def choice_hole(self, meta: Meta, c: list[Any]) -> S.Hole:
        return S.Hole(None, c[0], self.pos(meta))
