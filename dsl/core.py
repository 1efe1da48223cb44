"""The checked language: types, resolved and typed expressions, schemas and models. Data only.

`dsl.check` elaborates the surface syntax (`dsl.syntax`) into these frozen dataclasses: every name
is resolved (local, global, enum member, field index), every node carries its type, wildcards in
`match` are expanded and holes are numbered. The interpreter, the compiler and the Z3 encoding
all walk this form, never the surface tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dsl.syntax import NOPOS, Pos

# ----------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class BoolT:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntT:
    def __str__(self) -> str:
        return "int"


@dataclass(frozen=True, slots=True)
class WordT:
    def __str__(self) -> str:
        return "word"


@dataclass(frozen=True, slots=True)
class EnumT:
    name: str
    members: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class AgentT:
    def __str__(self) -> str:
        return "agent"


@dataclass(frozen=True, slots=True)
class ObjT:
    def __str__(self) -> str:
        return "obj"


@dataclass(frozen=True, slots=True)
class ObjsT:
    """The object list of a state; only quantifiers and aggregates may range over it."""

    def __str__(self) -> str:
        return "objects"


@dataclass(frozen=True, slots=True)
class StateT:
    def __str__(self) -> str:
        return "state"


Type = BoolT | IntT | WordT | EnumT | AgentT | ObjT | ObjsT | StateT
BOOL, INT, WORD, AGENT, OBJ, OBJS, STATE = (
    BoolT(),
    IntT(),
    WordT(),
    AgentT(),
    ObjT(),
    ObjsT(),
    StateT(),
)

Scalar = bool | int | str
"""A runtime field value: bool, int, or an enum member / word as its name."""

# ----------------------------------------------------------------------------- expressions

PrimOp = Literal[
    "and", "or", "not", "neg", "+", "-", "*", "//", "%",
    "==", "!=", "<", "<=", ">", ">=", "min", "max", "abs",
]  # fmt: skip
QuantKind = Literal["any", "all", "count", "sum"]
StateName = Literal["pre", "post"]


@dataclass(frozen=True, slots=True)
class Lit:
    value: Scalar
    type: Type


@dataclass(frozen=True, slots=True)
class Var:
    """A parameter, let-bound, quantifier-bound or for-loop variable."""

    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class StateRef:
    """The state before (`pre`) or after (`post`, reward and done only) the action."""

    which: StateName
    type: Type = STATE


@dataclass(frozen=True, slots=True)
class ActionRef:
    type: EnumT


@dataclass(frozen=True, slots=True)
class AgentOf:
    state: Expr
    type: Type = AGENT


@dataclass(frozen=True, slots=True)
class ObjectsOf:
    state: Expr
    type: Type = OBJS


@dataclass(frozen=True, slots=True)
class GetField:
    """`record.name`, with the field's position in the schema's field list."""

    record: Expr
    name: str
    index: int
    type: Type


@dataclass(frozen=True, slots=True)
class Prim:
    op: PrimOp
    args: tuple[Expr, ...]
    type: Type


@dataclass(frozen=True, slots=True)
class Ite:
    cond: Expr
    then: Expr
    orelse: Expr
    type: Type


@dataclass(frozen=True, slots=True)
class LetIn:
    name: str
    value: Expr
    body: Expr
    type: Type


@dataclass(frozen=True, slots=True)
class QuantE:
    kind: QuantKind
    var: str
    coll: Expr
    body: Expr
    type: Type


@dataclass(frozen=True, slots=True)
class TheE:
    var: str
    coll: Expr
    cond: Expr
    value: Expr
    default: Expr
    type: Type


@dataclass(frozen=True, slots=True)
class MatchE:
    """A match with one arm per enum member, in the enum's member order (wildcards expanded)."""

    subject: Expr
    arms: tuple[Expr, ...]
    type: Type


@dataclass(frozen=True, slots=True)
class CallE:
    fn: str
    args: tuple[Expr, ...]
    type: Type


@dataclass(frozen=True, slots=True)
class MissionWord:
    """The mission's word at a 0-based index, or "" past the end."""

    index: Expr
    type: Type = WORD


@dataclass(frozen=True, slots=True)
class HasWord:
    word: Expr
    type: Type = BOOL


@dataclass(frozen=True, slots=True)
class Lookup:
    """The member of an enum that a word names, else the default."""

    word: Expr
    default: Expr
    type: EnumT


@dataclass(frozen=True, slots=True)
class Find:
    """The k-th (0-based) mission word that names a member of the enum, else the default."""

    nth: Expr
    default: Expr
    type: EnumT


@dataclass(frozen=True, slots=True)
class HoleE:
    """A hole, numbered in program order; `choices` restrict it, `lo..hi` bound an int hole."""

    id: int
    type: Type
    choices: tuple[Expr, ...] | None
    lo: int | None
    hi: int | None
    pos: Pos = field(default=NOPOS, compare=False)
    choice_texts: tuple[str, ...] = field(default=(), compare=False)


Expr = (
    Lit
    | Var
    | StateRef
    | ActionRef
    | AgentOf
    | ObjectsOf
    | GetField
    | Prim
    | Ite
    | LetIn
    | QuantE
    | TheE
    | MatchE
    | CallE
    | MissionWord
    | HasWord
    | Lookup
    | Find
    | HoleE
)

# ----------------------------------------------------------------------------- programs


@dataclass(frozen=True, slots=True)
class Field:
    """A record field; ints carry their declared bounds."""

    name: str
    type: Type
    lo: int | None = None
    hi: int | None = None


@dataclass(frozen=True, slots=True)
class Schema:
    """What a state looks like: enums, the action enum, and the agent and object records."""

    enums: tuple[EnumT, ...]
    action: EnumT | None
    agent: tuple[Field, ...]
    object: tuple[Field, ...]

    @property
    def actions(self) -> tuple[str, ...]:
        """The action enum's members, in order (none when the schema declares no action)."""
        return self.action.members if self.action is not None else ()

    def enum(self, name: str) -> EnumT | None:
        return next((e for e in self.enums if e.name == name), None)

    def agent_index(self, name: str) -> int:
        return next(i for i, f in enumerate(self.agent) if f.name == name)

    def object_index(self, name: str) -> int:
        return next(i for i, f in enumerate(self.object) if f.name == name)


@dataclass(frozen=True, slots=True)
class FnDef:
    name: str
    params: tuple[tuple[str, Type], ...]
    ret: Type
    body: Expr
    uses_next: bool


@dataclass(frozen=True, slots=True)
class Program:
    """A checked set of files: schema, helpers, and (for a model) transition, reward and done.

    `agent_updates` / `object_updates` map field indices to their new-value expressions; fields
    not listed keep their value. `object_var` names the object in the `for` rule.
    """

    schema: Schema
    functions: tuple[FnDef, ...]
    agent_updates: tuple[tuple[int, Expr], ...]
    object_var: str
    object_updates: tuple[tuple[int, Expr], ...]
    reward: Expr | None
    done: Expr | None
    holes: tuple[HoleE, ...]
    has_transition: bool = False

    def function(self, name: str) -> FnDef:
        return next(f for f in self.functions if f.name == name)
