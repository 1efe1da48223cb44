"""The DSL's exact Z3 semantics: checked programs over partially symbolic states.

`Encoder` walks the checked program (`dsl.core`) like the interpreter, one arm per node kind,
but over values that are Python scalars where known and Z3 terms where not. Known values fold in
Python, so a hole-free program on a concrete state never reaches Z3, and a symbolic action only
makes symbolic what depends on it. Quantifiers are unrolled over the state's fixed object list;
helper calls are inlined (parameterless ones once per state); holes are Z3 variables over their
domain (`HoleVars`), a choice hole an index selecting one of its alternatives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias, assert_never

import z3

from dsl import core as C
from dsl.values import Mission, State
from solver.theory import Sym, Theory

SymRecord: TypeAlias = tuple[Sym, ...]

DEFAULT_INT_HOLE = (-16, 63)
"""Domain of an int hole written without bounds (`??` or `??: int`)."""


@dataclass(frozen=True)
class SymState:
    """A state whose field values may be Z3 terms; the object count is fixed."""

    agent: SymRecord
    objects: tuple[SymRecord, ...]

    @staticmethod
    def of(state: State) -> SymState:
        return SymState(state.agent, state.objects)


Value: TypeAlias = Sym | SymRecord | SymState


@dataclass
class HoleVars:
    """One Z3 variable per hole of a program, with the constraints keeping it in its domain."""

    program: C.Program
    theory: Theory
    prefix: str = "hole"
    vars: dict[int, z3.ExprRef] = field(default_factory=dict)
    constraints: list[z3.BoolRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        for hole in self.program.holes:
            self.vars[hole.id] = self._make(hole)

    def _make(self, hole: C.HoleE) -> z3.ExprRef:
        name = f"{self.prefix}{hole.id}"
        th = self.theory
        if hole.choices is not None:
            v = z3.Const(name, th.int_sort())
            self.constraints += [th.le(th.int_val(0), v), th.lt(v, th.int_val(len(hole.choices)))]
            return v
        v = th.var(name, hole.type)
        lo, hi = (hole.lo, hole.hi) if hole.lo is not None else DEFAULT_INT_HOLE
        self.constraints += th.domain(v, hole.type, lo, hi)
        return v

    def values(self, model: z3.ModelRef) -> dict[int, C.Scalar]:
        """Each hole's value in a model (for a choice hole: the index of the chosen expression)."""
        out: dict[int, C.Scalar] = {}
        for hole in self.program.holes:
            t: C.Type = C.INT if hole.choices is not None else hole.type
            out[hole.id] = self.theory.value(model, self.vars[hole.id], t)
        return out


@dataclass
class Ctx:
    """What one evaluation reads: states around the action, the action, per-state call cache."""

    pre: SymState
    post: SymState | None
    action: Sym
    cache: dict[tuple[str, int], Value] = field(default_factory=dict)


class Encoder:
    """Encodes checked expressions of one program for one mission (missions are concrete)."""

    def __init__(
        self, program: C.Program, theory: Theory, mission: Mission, holes: HoleVars | None = None
    ) -> None:
        self.program = program
        self.th = theory
        self.mission = mission
        self.holes = holes
        self.action_t = program.schema.action or C.EnumT("Action", ())

    # -- a whole step

    def next_state(self, pre: SymState, action: Sym) -> SymState:
        ctx = Ctx(pre, None, action)
        p = self.program
        agent = list(pre.agent)
        for index, e in p.agent_updates:
            agent[index] = self.scalar(self.expr(e, ctx, {}))
        objects = []
        for obj in pre.objects:
            new = list(obj)
            for index, e in p.object_updates:
                new[index] = self.scalar(self.expr(e, ctx, {p.object_var: obj}))
            objects.append(tuple(new))
        return SymState(tuple(agent), tuple(objects))

    def outcome(self, pre: SymState, action: Sym, post: SymState) -> tuple[Sym, Sym]:
        assert self.program.reward is not None and self.program.done is not None
        ctx = Ctx(pre, post, action)
        reward = self.scalar(self.expr(self.program.reward, ctx, {}))
        done = self.scalar(self.expr(self.program.done, ctx, {}))
        return reward, done

    def scalar(self, v: Value) -> Sym:
        assert isinstance(v, bool | int | str | z3.ExprRef), v
        return v

    # -- expressions

    def expr(self, e: C.Expr, ctx: Ctx, env: Mapping[str, Value]) -> Value:
        match e:
            case C.Lit(value):
                return value
            case C.Var(name):
                return env[name]
            case C.StateRef(which):
                if which == "pre":
                    return ctx.pre
                assert ctx.post is not None, "`next` outside reward/done"
                return ctx.post
            case C.ActionRef():
                return ctx.action
            case C.AgentOf(state):
                return self.state(state, ctx, env).agent
            case C.ObjectsOf(state):
                return self.state(state, ctx, env)
            case C.GetField(record, _, index):
                rec = self.expr(record, ctx, env)
                assert isinstance(rec, tuple)
                return rec[index]
            case C.Prim(op, args):
                return self.prim(op, args, ctx, env)
            case C.Ite(cond, then, orelse, t):
                c = self.expr(cond, ctx, env)
                if isinstance(c, bool):
                    return self.expr(then if c else orelse, ctx, env)
                return self.merge(c, self.expr(then, ctx, env), self.expr(orelse, ctx, env), t)
            case C.LetIn(name, value, body):
                return self.expr(body, ctx, {**env, name: self.expr(value, ctx, env)})
            case C.QuantE(kind, var, coll, body):
                objs = self.state(coll, ctx, env).objects
                return self.quant(kind, [self.expr(body, ctx, {**env, var: o}) for o in objs])
            case C.TheE(var, coll, cond, value, default, t):
                return self.the(
                    var, self.state(coll, ctx, env).objects, cond, value, default, t, ctx, env
                )
            case C.MatchE(subject, arms, t):
                return self.match(self.expr(subject, ctx, env), subject.type, arms, t, ctx, env)
            case C.CallE(fn, args):
                return self.call(fn, args, ctx, env)
            case C.MissionWord(index):
                return self.word(self.expr(index, ctx, env))
            case C.HasWord(word):
                return self.has_word(self.expr(word, ctx, env))
            case C.Lookup(word, default, t):
                return self.lookup(self.expr(word, ctx, env), self.expr(default, ctx, env), t)
            case C.Find(nth, default, t):
                return self.find(self.expr(nth, ctx, env), self.expr(default, ctx, env), t)
            case C.HoleE():
                return self.hole(e, ctx, env)
            case _:
                assert_never(e)

    def state(self, e: C.Expr, ctx: Ctx, env: Mapping[str, Value]) -> SymState:
        s = self.expr(e, ctx, env)
        assert isinstance(s, SymState)
        return s

    # -- boolean structure, folding known values

    def and_(self, xs: Iterable[Sym]) -> Sym:
        return _connective(xs, unit=True, make=z3.And)

    def or_(self, xs: Iterable[Sym]) -> Sym:
        return _connective(xs, unit=False, make=z3.Or)

    def not_(self, x: Sym) -> Sym:
        return (not x) if isinstance(x, bool) else z3.Not(x)

    def eq(self, a: Sym, b: Sym, t: C.Type) -> Sym:
        if not isinstance(a, z3.ExprRef) and not isinstance(b, z3.ExprRef):
            return a == b
        return self.th.lift(a, t) == self.th.lift(b, t)

    def merge(self, c: Sym, a: Value, b: Value, t: C.Type) -> Value:
        """`if c then a else b` for values of any type (records and states field by field)."""
        if isinstance(c, bool):
            return a if c else b
        if isinstance(a, SymState) and isinstance(b, SymState):
            agent = self.merge_record(c, a.agent, b.agent, self.program.schema.agent)
            objs = tuple(
                self.merge_record(c, x, y, self.program.schema.object)
                for x, y in zip(a.objects, b.objects, strict=True)
            )
            return SymState(agent, objs)
        if isinstance(a, tuple) and isinstance(b, tuple):
            fields = (
                self.program.schema.agent if isinstance(t, C.AgentT) else self.program.schema.object
            )
            return self.merge_record(c, a, b, fields)
        assert not isinstance(a, tuple | SymState) and not isinstance(b, tuple | SymState)
        if not isinstance(a, z3.ExprRef) and not isinstance(b, z3.ExprRef) and a == b:
            return a
        if isinstance(t, C.BoolT) and isinstance(a, bool):
            return self.or_([c, b]) if a else self.and_([self.not_(c), b])
        return z3.If(c, self.th.lift(a, t), self.th.lift(b, t))

    def merge_record(
        self, c: Sym, a: SymRecord, b: SymRecord, fields: Sequence[C.Field]
    ) -> SymRecord:
        return tuple(
            self.scalar(self.merge(c, x, y, f.type)) for x, y, f in zip(a, b, fields, strict=True)
        )

    def choose(
        self, conds: Sequence[Sym], values: Sequence[Value], default: Value, t: C.Type
    ) -> Value:
        """The value of the first true condition, else the default (as an if-chain)."""
        out = default
        for c, v in reversed(list(zip(conds, values, strict=True))):
            out = self.merge(c, v, out, t)
        return out

    # -- operators

    def prim(
        self, op: C.PrimOp, args: tuple[C.Expr, ...], ctx: Ctx, env: Mapping[str, Value]
    ) -> Sym:
        if op == "and":
            left = self.scalar(self.expr(args[0], ctx, env))
            return (
                False
                if left is False
                else self.and_([left, self.scalar(self.expr(args[1], ctx, env))])
            )
        if op == "or":
            left = self.scalar(self.expr(args[0], ctx, env))
            return (
                True
                if left is True
                else self.or_([left, self.scalar(self.expr(args[1], ctx, env))])
            )
        vals = [self.scalar(self.expr(a, ctx, env)) for a in args]
        if op in ("==", "!="):
            same = self.eq(vals[0], vals[1], args[0].type)
            return same if op == "==" else self.not_(same)
        if op == "not":
            return self.not_(vals[0])
        if not any(isinstance(v, z3.ExprRef) for v in vals):
            from dsl.interp import apply_prim

            result = apply_prim(op, list(vals))
            assert isinstance(result, bool | int)
            return result
        return self.arith(op, [self.th.lift(v, C.INT) for v in vals], args)

    def arith(self, op: C.PrimOp, xs: list[z3.ExprRef], args: tuple[C.Expr, ...]) -> Sym:
        th = self.th
        match op:
            case "neg":
                return th.neg(xs[0])
            case "abs":
                return z3.If(th.lt(xs[0], th.int_val(0)), th.neg(xs[0]), xs[0])
            case "+":
                return th.add(xs[0], xs[1])
            case "-":
                return th.sub(xs[0], xs[1])
            case "*":
                return th.mul(xs[0], xs[1])
            case "//" | "%":
                divisor = args[1]
                assert isinstance(divisor, C.Lit) and isinstance(divisor.value, int)
                k = divisor.value
                return th.floordiv(xs[0], k) if op == "//" else th.mod(xs[0], k)
            case "<":
                return th.lt(xs[0], xs[1])
            case "<=":
                return th.le(xs[0], xs[1])
            case ">":
                return th.lt(xs[1], xs[0])
            case ">=":
                return th.le(xs[1], xs[0])
            case "min":
                return z3.If(th.le(xs[0], xs[1]), xs[0], xs[1])
            case "max":
                return z3.If(th.le(xs[0], xs[1]), xs[1], xs[0])
            case _:
                raise AssertionError(op)

    # -- binders

    def quant(self, kind: C.QuantKind, values: list[Value]) -> Sym:
        scalars = [self.scalar(v) for v in values]
        match kind:
            case "any":
                return self.or_(scalars)
            case "all":
                return self.and_(scalars)
            case "count":
                return self.total(
                    [
                        self.merge(c, 1, 0, C.INT) if not isinstance(c, bool) else int(c)
                        for c in scalars
                    ]
                )
            case "sum":
                return self.total(scalars)
            case _:
                assert_never(kind)

    def total(self, values: Sequence[Value]) -> Sym:
        known = sum(v for v in values if isinstance(v, int))
        terms = [v for v in values if isinstance(v, z3.ExprRef)]
        out: Sym = known
        for t in terms:
            out = self.th.add(self.th.lift(out, C.INT), t)
        return out

    def the(
        self, var: str, objs: tuple[SymRecord, ...], cond: C.Expr, value: C.Expr, default: C.Expr,
        t: C.Type, ctx: Ctx, env: Mapping[str, Value],
    ) -> Value:  # fmt: skip
        conds = [self.scalar(self.expr(cond, ctx, {**env, var: o})) for o in objs]
        candidates = [(c, o) for c, o in zip(conds, objs, strict=True) if c is not False]
        fallback = self.expr(default, ctx, env)
        if not candidates:
            return fallback
        unique = self.exactly_one([c for c, _ in candidates])
        values = [self.expr(value, ctx, {**env, var: o}) for _, o in candidates]
        picked = self.choose([c for c, _ in candidates[:-1]], values[:-1], values[-1], t)
        return self.merge(unique, picked, fallback, t)

    def exactly_one(self, conds: list[Sym]) -> Sym:
        trues = sum(1 for c in conds if c is True)
        terms = [c for c in conds if isinstance(c, z3.ExprRef)]
        if trues > 1:
            return False
        if not terms:
            return trues == 1
        if trues == 1:
            return self.and_([z3.Not(c) for c in terms])
        if len(terms) == 1:
            return terms[0]
        th = self.th
        one, zero = th.int_val(1), th.int_val(0)
        count = z3.Sum([z3.If(c, one, zero) for c in terms])  # standard SMT-LIB, unlike PbEq
        return count == one

    def match(
        self, subject: Value, enum: C.Type, arms: tuple[C.Expr, ...], t: C.Type,
        ctx: Ctx, env: Mapping[str, Value],
    ) -> Value:  # fmt: skip
        assert isinstance(enum, C.EnumT)
        if isinstance(subject, str):
            return self.expr(arms[enum.members.index(subject)], ctx, env)
        s = self.scalar(subject)
        conds = [self.eq(s, m, enum) for m in enum.members[:-1]]
        values = [self.expr(a, ctx, env) for a in arms[:-1]]
        return self.choose(conds, values, self.expr(arms[-1], ctx, env), t)

    # -- calls

    def call(
        self, name: str, args: tuple[C.Expr, ...], ctx: Ctx, env: Mapping[str, Value]
    ) -> Value:
        fn = self.program.function(name)
        if not args:
            key = (name, 0)
            if key not in ctx.cache:
                ctx.cache[key] = self.expr(fn.body, ctx, {})
            return ctx.cache[key]
        bound = {p: self.expr(a, ctx, env) for (p, _), a in zip(fn.params, args, strict=True)}
        return self.expr(fn.body, ctx, bound)

    # -- mission words (the mission is concrete; indices and words may be symbolic)

    def word(self, index: Sym) -> Sym:
        words = self.mission.words
        if isinstance(index, int):
            return words[index] if 0 <= index < len(words) else ""
        conds = [self.eq(index, i, C.INT) for i in range(len(words))]
        return self.scalar(self.choose(conds, list(words), "", C.WORD))

    def has_word(self, w: Sym) -> Sym:
        if isinstance(w, str):
            return w in self.mission.words
        return self.or_(self.eq(w, m, C.WORD) for m in self.mission.words)

    def lookup(self, w: Sym, default: Value, t: C.EnumT) -> Value:
        if isinstance(w, str):
            return w if w in t.members else default
        conds = [self.eq(w, m, C.WORD) for m in t.members]
        return self.choose(conds, list(t.members), default, t)

    def find(self, nth: Sym, default: Value, t: C.EnumT) -> Value:
        named = [w for w in self.mission.words if w in t.members]
        if isinstance(nth, int):
            return named[nth] if 0 <= nth < len(named) else default
        conds = [self.eq(nth, i, C.INT) for i in range(len(named))]
        return self.choose(conds, named, default, t)

    # -- holes

    def hole(self, e: C.HoleE, ctx: Ctx, env: Mapping[str, Value]) -> Value:
        if self.holes is None:
            raise ValueError(f"{e.pos}: the hole `??` is unfilled and no hole variables were given")
        v = self.holes.vars[e.id]
        if e.choices is None:
            return v
        conds = [self.eq(v, i, C.INT) for i in range(len(e.choices) - 1)]
        values = [self.expr(c, ctx, env) for c in e.choices]
        return self.choose(conds, values[:-1], values[-1], e.type)


def _connective(
    xs: Iterable[Sym], *, unit: bool, make: Callable[[list[z3.BoolRef]], z3.BoolRef]
) -> Sym:
    """`and` (unit true) or `or` (unit false) of partially known booleans: known values fold,
    the absorbing one (`not unit`) short-circuits, a single unknown stays itself."""
    terms: list[z3.BoolRef] = []
    for x in xs:
        if x is (not unit):
            return not unit
        if x is not unit:
            terms.append(x)
    if not terms:
        return unit
    return terms[0] if len(terms) == 1 else make(terms)


def fresh_state(
    program: C.Program, theory: Theory, prefix: str, objects: int,
    bounds: Mapping[str, tuple[int, int]] | None = None,
) -> tuple[SymState, list[z3.BoolRef]]:  # fmt: skip
    """A fully symbolic state with `objects` objects, and the constraints on its domains.

    `bounds` narrows int fields by name (e.g. {"x": (-1, 7)} for an 8-wide grid).
    """
    schema = program.schema
    constraints: list[z3.BoolRef] = []

    def record(fields: tuple[C.Field, ...], name: str) -> SymRecord:
        out: list[Sym] = []
        for f in fields:
            v = theory.var(f"{name}.{f.name}", f.type)
            lo, hi = f.lo, f.hi
            if bounds and f.name in bounds and lo is not None and hi is not None:
                lo, hi = max(lo, bounds[f.name][0]), min(hi, bounds[f.name][1])
            constraints.extend(theory.domain(v, f.type, lo, hi))
            out.append(v)
        return tuple(out)

    agent = record(schema.agent, f"{prefix}.agent")
    objs = tuple(record(schema.object, f"{prefix}.objects[{i}]") for i in range(objects))
    return SymState(agent, objs), constraints


def states_equal(enc: Encoder, a: SymState, b: SymState) -> Sym:
    schema = enc.program.schema
    parts: list[Sym] = [
        enc.eq(x, y, f.type) for x, y, f in zip(a.agent, b.agent, schema.agent, strict=True)
    ]
    for oa, ob in zip(a.objects, b.objects, strict=True):
        parts += [enc.eq(x, y, f.type) for x, y, f in zip(oa, ob, schema.object, strict=True)]
    return enc.and_(parts)


def concrete_state(theory: Theory, program: C.Program, model: z3.ModelRef, s: SymState) -> State:
    schema = program.schema
    agent = tuple(
        theory.value(model, v, f.type) for v, f in zip(s.agent, schema.agent, strict=True)
    )
    objs = tuple(
        tuple(theory.value(model, v, f.type) for v, f in zip(o, schema.object, strict=True))
        for o in s.objects
    )
    return State(agent, objs)


def as_bool(theory: Theory, v: Sym) -> z3.BoolRef:
    return z3.BoolVal(v, theory.ctx) if isinstance(v, bool) else v
