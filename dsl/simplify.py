"""Partial evaluation of checked programs: fix the action, inline helpers, fold constants.

Every DSL expression is total and pure (holes are refused before running, divisors are positive
literals), so folding `x and false` to `false` or `if c then e else e` to `e` never changes a
result. Helpers with parameters are inlined (binders renamed apart, arguments let-bound), so
their bodies fold against the caller's constants; helpers without parameters stay calls, which
the compiler caches per step. The compiler specialises a model once per action with
`specialize_program`; in a typical model most per-object rules then fold to "keep the value" and
disappear for most actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from dsl import core as C
from dsl.interp import apply_prim

INLINE_LIMIT = 80
"""Largest helper body (in nodes, after folding) that is inlined at its call sites."""


@dataclass(frozen=True, slots=True)
class Specialized:
    """A program's parts after partial evaluation for one action."""

    functions: tuple[C.FnDef, ...]
    agent_updates: tuple[tuple[int, C.Expr], ...]
    object_updates: tuple[tuple[int, C.Expr], ...]
    reward: C.Expr | None
    done: C.Expr | None


def specialize_program(program: C.Program, action: str | None) -> Specialized:
    """Fold every part of `program` with `action` fixed; unchanged fields are dropped."""
    folder = _Folder(action)
    for fn in callees_first(program):
        folder.bodies[fn.name] = C.FnDef(
            fn.name, fn.params, fn.ret, folder.fold(fn.body), fn.uses_next
        )
    var = program.object_var
    agent = tuple(
        (i, e2) for i, e in program.agent_updates
        if not is_agent_identity(e2 := folder.fold(e), i)
    )  # fmt: skip
    objects = tuple(
        (i, e2) for i, e in program.object_updates
        if not is_identity(e2 := folder.fold(e), var, i)
    )  # fmt: skip
    reward = None if program.reward is None else folder.fold(program.reward)
    done = None if program.done is None else folder.fold(program.done)
    return Specialized(tuple(folder.bodies.values()), agent, objects, reward, done)


def specialize(e: C.Expr, action: str | None) -> C.Expr:
    """One expression with `action` fixed (None: left open) and constants folded."""
    return _Folder(action).fold(e)


def callees_first(program: C.Program) -> list[C.FnDef]:
    """The program's functions, each after every function it calls."""
    order: list[C.FnDef] = []
    done: set[str] = set()

    def visit(fn: C.FnDef) -> None:
        if fn.name in done:
            return
        done.add(fn.name)
        for callee in sorted(calls_in(fn.body)):
            visit(program.function(callee))
        order.append(fn)

    for fn in program.functions:
        visit(fn)
    return order


def calls_in(e: C.Expr) -> set[str]:
    out: set[str] = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, C.CallE):
            out.add(node.fn)
        stack.extend(children(node))
    return out


def size(e: C.Expr) -> int:
    n, stack = 0, [e]
    while stack:
        n += 1
        stack.extend(children(stack.pop()))
    return n


def children(e: C.Expr) -> tuple[C.Expr, ...]:
    match e:
        case C.Lit() | C.Var() | C.StateRef() | C.ActionRef():
            return ()
        case C.HoleE(choices=choices):
            return choices or ()
        case C.AgentOf(s) | C.ObjectsOf(s):
            return (s,)
        case C.GetField(rec):
            return (rec,)
        case C.Prim(_, args) | C.CallE(_, args):
            return args
        case C.Ite(a, b, c):
            return (a, b, c)
        case C.LetIn(_, value, body):
            return (value, body)
        case C.QuantE(_, _, coll, body):
            return (coll, body)
        case C.TheE(_, coll, cond, value, default):
            return (coll, cond, value, default)
        case C.MatchE(subject, arms):
            return (subject, *arms)
        case C.MissionWord(x) | C.HasWord(x):
            return (x,)
        case C.Lookup(a, b) | C.Find(a, b):
            return (a, b)
        case _:
            assert_never(e)


def is_identity(e: C.Expr, var: str, index: int) -> bool:
    """Whether an update `var.field := e` keeps the field's value."""
    return isinstance(e, C.GetField) and e.index == index and e.record == C.Var(var, C.OBJ)


def is_agent_identity(e: C.Expr, index: int) -> bool:
    return (
        isinstance(e, C.GetField) and e.index == index and e.record == C.AgentOf(C.StateRef("pre"))
    )


class _Folder:
    """One method per node kind that can fold; the rest rebuild with folded children."""

    def __init__(self, action: str | None) -> None:
        self.action = action
        self.bodies: dict[str, C.FnDef] = {}
        self.fresh = 0

    def fold(self, e: C.Expr) -> C.Expr:
        f = self.fold
        match e:
            case C.Lit() | C.Var() | C.StateRef() | C.HoleE():
                return e
            case C.ActionRef(t):
                return e if self.action is None else C.Lit(self.action, t)
            case C.AgentOf(s):
                return C.AgentOf(f(s))
            case C.ObjectsOf(s):
                return C.ObjectsOf(f(s))
            case C.GetField(rec, name, index, t):
                return C.GetField(f(rec), name, index, t)
            case C.Prim(op, args, t):
                return self.prim(op, tuple(f(a) for a in args), t)
            case C.Ite(cond, then, orelse, t):
                return self.ite(f(cond), f(then), f(orelse), t)
            case C.LetIn(name, value, body, t):
                return C.LetIn(name, f(value), f(body), t)
            case C.QuantE(kind, var, coll, body, t):
                return C.QuantE(kind, var, f(coll), f(body), t)
            case C.TheE(var, coll, cond, value, default, t):
                return C.TheE(var, f(coll), f(cond), f(value), f(default), t)
            case C.MatchE(subject, arms, t):
                return self.match(f(subject), tuple(f(a) for a in arms), t)
            case C.CallE(fn, args, t):
                return self.call(fn, tuple(f(a) for a in args), t)
            case C.MissionWord(index):
                return C.MissionWord(f(index))
            case C.HasWord(word):
                return C.HasWord(f(word))
            case C.Lookup(word, default, t):
                return C.Lookup(f(word), f(default), t)
            case C.Find(nth, default, t):
                return C.Find(f(nth), f(default), t)
            case _:
                assert_never(e)

    def call(self, name: str, args: tuple[C.Expr, ...], t: C.Type) -> C.Expr:
        fn = self.bodies.get(name)
        if fn is None:
            return C.CallE(name, args, t)
        if isinstance(fn.body, C.Lit):
            return fn.body
        if not args or size(fn.body) > INLINE_LIMIT:
            return C.CallE(name, args, t)
        bound: dict[str, C.Expr] = {}
        lets: list[tuple[str, C.Expr]] = []
        for (param, _), arg in zip(fn.params, args, strict=True):
            if isinstance(arg, C.Lit | C.Var):
                bound[param] = arg
            else:
                fresh = self.new_name(param)
                lets.append((fresh, arg))
                bound[param] = C.Var(fresh, arg.type)
        body = self.fold(self.rename(fn.body, bound))
        for fresh, arg in reversed(lets):
            body = C.LetIn(fresh, arg, body, body.type)
        return body

    def new_name(self, base: str) -> str:
        self.fresh += 1
        return f"{base}%{self.fresh}"

    def rename(self, e: C.Expr, env: dict[str, C.Expr]) -> C.Expr:
        """`e` with free variables replaced from `env` and every binder renamed apart."""
        r = self.rename
        match e:
            case C.Var(name):
                return env.get(name, e)
            case C.LetIn(name, value, body, t):
                fresh = self.new_name(name)
                inner = {**env, name: C.Var(fresh, value.type)}
                return C.LetIn(fresh, r(value, env), r(body, inner), t)
            case C.QuantE(kind, var, coll, body, t):
                fresh = self.new_name(var)
                inner = {**env, var: C.Var(fresh, C.OBJ)}
                return C.QuantE(kind, fresh, r(coll, env), r(body, inner), t)
            case C.TheE(var, coll, cond, value, default, t):
                fresh = self.new_name(var)
                inner = {**env, var: C.Var(fresh, C.OBJ)}
                return C.TheE(
                    fresh, r(coll, env), r(cond, inner), r(value, inner), r(default, env), t
                )
            case _:
                return rebuild(e, tuple(r(c, env) for c in children(e)))

    def prim(self, op: C.PrimOp, args: tuple[C.Expr, ...], t: C.Type) -> C.Expr:
        if all(isinstance(a, C.Lit) for a in args):
            return C.Lit(apply_prim(op, [a.value for a in args if isinstance(a, C.Lit)]), t)  # type: ignore[arg-type]
        if op in ("and", "or"):
            unit, zero = (True, False) if op == "and" else (False, True)
            left, right = args
            for a, b in ((left, right), (right, left)):
                if isinstance(a, C.Lit):
                    return b if a.value == unit else C.Lit(zero, t)
        return C.Prim(op, args, t)

    def ite(self, cond: C.Expr, then: C.Expr, orelse: C.Expr, t: C.Type) -> C.Expr:
        if isinstance(cond, C.Lit):
            return then if cond.value else orelse
        if then == orelse:
            return then
        return C.Ite(cond, then, orelse, t)

    def match(self, subject: C.Expr, arms: tuple[C.Expr, ...], t: C.Type) -> C.Expr:
        if isinstance(subject, C.Lit) and isinstance(subject.type, C.EnumT):
            return arms[subject.type.members.index(str(subject.value))]
        if all(a == arms[0] for a in arms):
            return arms[0]
        return C.MatchE(subject, arms, t)


def replace(e: C.Expr, old: C.Expr, new: C.Expr) -> C.Expr:
    """`e` with every occurrence of `old` replaced by `new` (outside binders: under a `let`, a
    quantifier or `the`, a name could be captured, so those are left as they are)."""
    if e == old:
        return new
    if isinstance(e, C.LetIn | C.QuantE | C.TheE):
        return e
    kids = children(e)
    return rebuild(e, tuple(replace(k, old, new) for k in kids)) if kids else e


def rebuild(e: C.Expr, kids: tuple[C.Expr, ...]) -> C.Expr:
    """`e` with its children (in `children` order) replaced; binders are handled by the caller."""
    match e:
        case C.Lit() | C.Var() | C.StateRef() | C.ActionRef():
            return e
        case C.HoleE(id, t, choices, lo, hi, pos, texts):
            return C.HoleE(id, t, kids if choices is not None else None, lo, hi, pos, texts)
        case C.AgentOf():
            return C.AgentOf(kids[0])
        case C.ObjectsOf():
            return C.ObjectsOf(kids[0])
        case C.GetField(_, name, index, t):
            return C.GetField(kids[0], name, index, t)
        case C.Prim(op, _, t):
            return C.Prim(op, kids, t)
        case C.CallE(fn, _, t):
            return C.CallE(fn, kids, t)
        case C.Ite(type=t):
            return C.Ite(kids[0], kids[1], kids[2], t)
        case C.MatchE(type=t):
            return C.MatchE(kids[0], kids[1:], t)
        case C.MissionWord():
            return C.MissionWord(kids[0])
        case C.HasWord():
            return C.HasWord(kids[0])
        case C.Lookup(type=t):
            return C.Lookup(kids[0], kids[1], t)
        case C.Find(type=t):
            return C.Find(kids[0], kids[1], t)
        case C.LetIn() | C.QuantE() | C.TheE():
            raise AssertionError("binders are rebuilt by their walker")
        case _:
            assert_never(e)
