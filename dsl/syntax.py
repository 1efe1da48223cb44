"""Surface syntax tree of the WorldCoder DSL: data only.

Frozen dataclasses built by `dsl.parse` from the Lark tree, one per grammar construct, faithful to
the source so that `parse(pretty(m)) == m`. Source positions ride along on every node but take no
part in equality or hashing. Meaning (name resolution, types) belongs to `dsl.check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column in a named source file."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NOPOS = Pos("<none>", 0, 0)


def _pos() -> Pos:
    return field(default=NOPOS, compare=False, hash=False, repr=False)


# ----------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class TypeName:
    """`bool`, `int`, `word`, `obj`, `state` or an enum name, with an optional `[lo..hi]` range."""

    name: str
    lo: int | None = None
    hi: int | None = None
    pos: Pos = _pos()


# ----------------------------------------------------------------------------- expressions

BinOp = Literal["or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "//", "%"]
QuantKind = Literal["any", "all", "count", "sum"]


@dataclass(frozen=True, slots=True)
class IntLit:
    value: int
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class WordLit:
    """A mission word literal, written `"red"`."""

    text: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Name:
    """A bare name: a local, a parameter, a global (`agent`, `objects`, `action`, ...) or an enum member."""

    ident: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Attr:
    """`base.name`: a record field, `s.agent` / `s.objects`, or a qualified enum member `Kind.wall`."""

    base: Expr
    name: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Call:
    """A helper function or builtin applied to arguments."""

    fn: str
    args: tuple[Expr, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Not:
    arg: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Neg:
    arg: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Binary:
    op: BinOp
    left: Expr
    right: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: Expr
    orelse: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr
    body: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Quant:
    """`any(o in objects: body)`, likewise `all`, `count` (of true bodies) and `sum` (of int bodies)."""

    kind: QuantKind
    var: str
    coll: Expr
    body: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class The:
    """`the(o in objects where cond: value else default)`: value at the unique match, else default."""

    var: str
    coll: Expr
    cond: Expr
    value: Expr
    default: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Case:
    """One arm of a match; `member` is None for the wildcard `_`."""

    member: str | None
    body: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Match:
    subject: Expr
    cases: tuple[Case, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Hole:
    """`??`, `??: type` or `??{e1, e2, ...}` (one of the listed expressions)."""

    type: TypeName | None = None
    choices: tuple[Expr, ...] | None = None
    pos: Pos = _pos()


Expr = (
    IntLit
    | BoolLit
    | WordLit
    | Name
    | Attr
    | Call
    | Not
    | Neg
    | Binary
    | If
    | Let
    | Quant
    | The
    | Match
    | Hole
)


# ----------------------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Import:
    """`import "path"`: a file, relative to the importing file."""

    path: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class LibraryImport:
    """`import name`: the library module `name` (`models/name.wc`, shipped with the package)."""

    name: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class EnumDecl:
    name: str
    members: tuple[str, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class ActionsDecl:
    """`actions { left, right, ... }`: the members of the `Action` enum."""

    members: tuple[str, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class FieldDecl:
    name: str
    type: TypeName
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class RecordDecl:
    """`record agent { ... }` or `record object { ... }`."""

    name: str
    fields: tuple[FieldDecl, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: TypeName
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class FnDecl:
    name: str
    params: tuple[Param, ...]
    ret: TypeName
    body: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Update:
    """`target.field := value` inside a transition (target is `agent` or the for-loop variable)."""

    target: str
    field: str
    value: Expr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class ForBlock:
    """`for o in objects { o.f := ... }`: one rule applied to every object."""

    var: str
    coll: str
    updates: tuple[Update, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class TransitionDecl:
    items: tuple[Update | ForBlock, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class OutcomeDecl:
    """`reward := e` or `done := e`."""

    name: str
    value: Expr
    pos: Pos = _pos()


Item = (
    Import
    | LibraryImport
    | EnumDecl
    | ActionsDecl
    | RecordDecl
    | FnDecl
    | TransitionDecl
    | OutcomeDecl
)


@dataclass(frozen=True, slots=True)
class Module:
    """One parsed .wc file; `path` is where it came from (not part of equality)."""

    items: tuple[Item, ...]
    path: str = field(default="<string>", compare=False, hash=False)
