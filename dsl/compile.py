"""The compiler: checked program (`dsl.core`) -> a fast `CompiledModel`. No outside text is run.

Two backends keep the interpreter's meaning. "codegen" (the default) has `dsl.codegen` write
Python source per action and compile it once. "closures" (this module) turns each expression into
a closure over its compiled children, taking one `Frame` (a list):
slots 0..4 hold the state before, the state after, the action, the mission words and a per-step
cache; each variable gets its own slot, fixed at compile time, so no name lookups happen at run
time. Calls of helpers without parameters depend only on the step, so their results are cached
per step: a helper like `front_blocked()` used in the per-object rule runs once, not per object.
Where `dsl.keys` finds field equalities that a quantifier's condition, or the change of a
per-object rule, needs (`o.x == fx() and o.y == fy()`), only the objects whose fields match are
visited; the others are skipped without running any closure on them. `ExprCompiler` (free-standing
expressions) always uses closures.

Planners step a model through `CompiledModel.expansion(mission)`: every action from a state at
once. With generated code its states are flat tuples (`dsl.values.FlatSpace`) that hash and
compare in C; with closures they are the `State`s themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, assert_never

from dsl import core as C
from dsl.codegen import Generated, ModuleCode, TooDeep, generate, generate_expansion
from dsl.errors import RunError
from dsl.interp import apply_prim, check_action, require_model, unfilled_message
from dsl.keys import Key, object_keys, update_keys
from dsl.simplify import Specialized, specialize_program
from dsl.values import FlatSpace, Mission, Outcome, Record, State

Frame = list[Any]
Code = Callable[[Frame], Any]
PRE, POST, ACTION, WORDS, CACHE = range(5)
FIXED = 5


@dataclass
class _Counter:
    size: int = FIXED


@dataclass(frozen=True)
class Slots:
    """Compile-time map from variable names to frame slots; scopes share one frame counter."""

    names: Mapping[str, int] = field(default_factory=dict)
    counter: _Counter = field(default_factory=_Counter)

    @property
    def size(self) -> int:
        return self.counter.size

    def bind(self, name: str) -> tuple[Slots, int]:
        slot = self.counter.size
        self.counter.size += 1
        return Slots({**self.names, name: slot}, self.counter), slot


@dataclass(frozen=True, slots=True)
class CompiledFn:
    code: Code
    size: int
    arity: int


Backend = Literal["closures", "codegen"]
"""How a model is compiled: closures over a frame (this module) or generated Python source
(`dsl.codegen`); both keep the interpreter's meaning."""
BACKENDS: tuple[Backend, ...] = ("closures", "codegen")
DEFAULT_BACKEND: Backend = "codegen"

KeyCode = tuple[tuple[int, ...], tuple[Code, ...]]
"""One `dsl.keys.Key` compiled: its fields and the code of the values they must equal."""


@dataclass(frozen=True, slots=True)
class Expansion:
    """How a planner steps a model from the states of one search, for one mission
    (`CompiledModel.expansion`): states are turned into hashable keys once (`key`), every action
    is stepped from a key at once (`successors`: (next key, reward, done) per action, in the
    order of `Schema.actions`), and keys are turned back into states (`state`). Generated code
    keys states by their flat form (`dsl.values.FlatSpace`), which hashes in C; otherwise the
    keys are the `State`s themselves."""

    key: Callable[[State], Hashable]
    successors: Callable[[Any], list[tuple[Any, int, bool]]]
    state: Callable[[Any], State]


class CompiledModel:
    """A checked model compiled, specialised once per action (see `dsl.simplify`), to closures
    or (backend "codegen") to generated Python functions (`dsl.codegen`).

    `step` predicts the next state, reward and done. Per-object rules that fold to "keep the
    value" for an action are dropped, so e.g. turning costs nothing per object. `expansion` is
    the planners' way in: all actions at once, on flat states with generated code.
    """

    def __init__(self, program: C.Program, backend: Backend = DEFAULT_BACKEND) -> None:
        require_model(program)
        self.program = program
        self.backend = backend
        actions = program.schema.actions
        self._variants: dict[str, _Variant] = {}
        self._generated: dict[str, Generated] = {}
        self._flat: ModuleCode | None = None  # generated for the first `expansion`
        self._flat_tried = False
        self._specs: dict[str, Specialized] = {}  # codegen: kept for the flat form
        match backend:
            case "closures":
                self._variants = {a: _Variant(program, a) for a in actions}
            case "codegen":
                self._specs = {a: specialize_program(program, a) for a in actions}
                for a in actions:
                    try:
                        self._generated[a] = generate(program, a, self._specs[a])
                    except TooDeep:  # rare: nesting Python cannot compile; closures can run it
                        self._variants[a] = _Variant(program, a)
            case _:
                assert_never(backend)

    def step(self, state: State, action: str, mission: Mission) -> Outcome:
        gen = self._generated.get(action)
        if gen is not None:
            return gen.step(state, mission.words)
        nxt = self.next_state(state, action, mission)
        reward, done = self.outcome(state, action, nxt, mission)
        return Outcome(nxt, reward, done)

    def expansion(self, mission: Mission) -> Expansion:
        """A fresh `Expansion` for one search under `mission`."""
        actions = self.program.schema.actions
        flat = self._flat_code()
        if flat is None:
            step = self.step

            def successors(state: State) -> list[tuple[State, int, bool]]:
                outs = [step(state, a, mission) for a in actions]
                return [(o.next_state, o.reward, o.done) for o in outs]

            return Expansion(_same, successors, _same)
        space = FlatSpace(len(self.program.schema.agent))
        return Expansion(space.flat, flat.step_in(space, mission.words), space.state)

    def _flat_code(self) -> ModuleCode | None:
        """The flat form's code of all actions (`dsl.codegen.generate_expansion`), or None where
        there is none (closures, or nesting Python cannot compile)."""
        if not self._flat_tried and len(self._generated) == len(self.program.schema.actions):
            self._flat_tried = True
            with contextlib.suppress(TooDeep):
                self._flat = generate_expansion(self.program, self._specs)
        return self._flat

    def _variant(self, action: str) -> _Variant:
        variant = self._variants.get(action)
        if variant is None:
            check_action(self.program, action)
            raise AssertionError(action)
        return variant

    def next_state(self, state: State, action: str, mission: Mission) -> State:
        gen = self._generated.get(action)
        if gen is not None:
            return gen.next_state(state, mission.words)
        v = self._variant(action)
        cache: dict[str, Any] = {}
        agent = state.agent
        if v.agent:
            frame: Frame = [state, None, action, mission.words, cache]
            frame.extend([None] * (v.agent_size - FIXED))
            agent = _apply(agent, v.agent, frame)
        if not v.objects:
            return State(agent, state.objects)
        frame = [state, None, action, mission.words, cache, None]
        frame.extend([None] * (v.object_size - FIXED - 1))
        objects = list(state.objects)
        keys = v.object_keys  # the rules keep every field of the objects no key matches
        positions = range(len(objects)) if keys is None else _matches(state.objects, keys, frame)
        for p in positions:
            frame[FIXED] = objects[p]
            objects[p] = _apply(objects[p], v.objects, frame)
        return State(agent, tuple(objects))

    def outcome(self, state: State, action: str, nxt: State, mission: Mission) -> tuple[int, bool]:
        gen = self._generated.get(action)
        if gen is not None:
            return gen.outcome(state, nxt, mission.words)
        v = self._variant(action)
        frame: Frame = [state, nxt, action, mission.words, {}]
        frame.extend([None] * (v.outcome_size - FIXED))
        return v.reward(frame), v.done(frame)


class _Variant:
    """The closures of one model with the action fixed."""

    def __init__(self, program: C.Program, action: str | None) -> None:
        spec = specialize_program(program, action)
        self.fns: dict[str, CompiledFn] = {}
        for fn in spec.functions:
            self._compile_fn(fn)
        self.agent, _, self.agent_size = self._updates(spec.agent_updates, None)
        self.objects, self.object_keys, self.object_size = self._updates(
            spec.object_updates, program.object_var
        )
        slots = Slots()
        false: C.Expr = C.Lit(False, C.BOOL)
        self.reward = self.expr(spec.reward or C.Lit(0, C.INT), slots)
        self.done = self.expr(spec.done or false, slots)
        self.outcome_size = slots.size

    def _updates(
        self, updates: tuple[tuple[int, C.Expr], ...], var: str | None
    ) -> tuple[tuple[tuple[int, Code], ...], tuple[KeyCode, ...] | None, int]:
        """The rules' code, the keys of the objects they can change (per-object rules; None:
        all of them) and the frame size."""
        slots = Slots()
        scope: Slots = slots
        if var is not None:
            scope, _ = slots.bind(var)
        out = tuple((i, self.expr(e, scope)) for i, e in updates)
        keys = None if var is None or not updates else update_keys(updates, var)
        return out, None if keys is None else self._keys(keys, scope), slots.size

    def _keys(self, keys: tuple[Key, ...], s: Slots) -> tuple[KeyCode, ...]:
        out: list[KeyCode] = []
        for key in keys:
            out.append((tuple(i for i, _ in key), tuple(self.expr(e, s) for _, e in key)))
        return tuple(out)

    def _compile_fn(self, fn: C.FnDef) -> None:
        slots = Slots()
        scope: Slots = slots
        for name, _ in fn.params:
            scope, _ = scope.bind(name)
        code = self.expr(fn.body, scope)
        self.fns[fn.name] = CompiledFn(code, slots.size, len(fn.params))

    def expr(self, e: C.Expr, s: Slots) -> Code:
        match e:
            case C.Lit(value):
                return lambda f: value
            case C.Var(name):
                slot = s.names[name]
                return lambda f: f[slot]
            case C.StateRef(which):
                return _state_ref(which)
            case C.ActionRef():
                return lambda f: f[ACTION]
            case C.AgentOf(state):
                st = self.expr(state, s)
                return lambda f: st(f).agent
            case C.ObjectsOf(state):
                return self.expr(state, s)
            case C.GetField(record, _, index):
                rec = self.expr(record, s)
                return lambda f: rec(f)[index]
            case C.Prim(op, args):
                return self.prim(op, tuple(self.expr(a, s) for a in args))
            case C.Ite(cond, then, orelse):
                c, t, o = self.expr(cond, s), self.expr(then, s), self.expr(orelse, s)
                return lambda f: t(f) if c(f) else o(f)
            case C.LetIn(name, value, body):
                inner, slot = s.bind(name)
                v, b = self.expr(value, s), self.expr(body, inner)
                return _let(slot, v, b)
            case C.QuantE(kind, var, coll, body):
                keys = self._matching(body, var, s) if kind in ("any", "count") else None
                inner, slot = s.bind(var)
                return _quant(kind, slot, self.expr(coll, s), self.expr(body, inner), _visit(keys))
            case C.TheE(var, coll, cond, value, default):
                keys = self._matching(cond, var, s)
                inner, slot = s.bind(var)
                parts = (self.expr(cond, inner), self.expr(value, inner), self.expr(default, s))
                return _the(slot, self.expr(coll, s), *parts, _visit(keys))
            case C.MatchE(subject, arms):
                assert isinstance(subject.type, C.EnumT)
                table = dict(
                    zip(subject.type.members, (self.expr(a, s) for a in arms), strict=True)
                )
                subj = self.expr(subject, s)
                return lambda f: table[subj(f)](f)
            case C.CallE(fn, args):
                return self.call(fn, tuple(self.expr(a, s) for a in args))
            case C.MissionWord(index):
                return _word(self.expr(index, s))
            case C.HasWord(word):
                w = self.expr(word, s)
                return lambda f: w(f) in f[WORDS]
            case C.Lookup(word, default, enum):
                w, d, members = self.expr(word, s), self.expr(default, s), frozenset(enum.members)
                return lambda f: _pick(w(f), members, d, f)
            case C.Find(nth, default, enum):
                return _find(self.expr(nth, s), self.expr(default, s), frozenset(enum.members))
            case C.HoleE():
                message = unfilled_message(e)
                return lambda f: _raise(message)
            case _:
                assert_never(e)

    def _matching(self, cond: C.Expr, var: str, s: Slots) -> tuple[KeyCode, ...] | None:
        """Compiled keys of a quantifier's condition over `var`, computed in the scope `s`."""
        keys = object_keys(cond, var, frozenset(s.names))
        return None if keys is None else self._keys(keys, s)

    def prim(self, op: C.PrimOp, args: tuple[Code, ...]) -> Code:
        if len(args) == 2:
            a, b = args
            binary = _BINARY.get(op)
            if binary is not None:
                return binary(a, b)
        if op == "not":
            (x,) = args
            return lambda f: not x(f)
        if op == "neg":
            (x,) = args
            return lambda f: -x(f)
        return lambda f: apply_prim(op, [a(f) for a in args])

    def call(self, name: str, args: tuple[Code, ...]) -> Code:
        fns = self.fns
        if not args:

            def cached(f: Frame) -> Any:
                cache = f[CACHE]
                if name in cache:
                    return cache[name]
                fn = fns[name]
                value = fn.code([f[0], f[1], f[2], f[3], cache, *([None] * (fn.size - FIXED))])
                cache[name] = value
                return value

            return cached

        def called(f: Frame) -> Any:
            fn = fns[name]
            frame = [f[0], f[1], f[2], f[3], f[4], *[a(f) for a in args]]
            frame.extend([None] * (fn.size - len(frame)))
            return fn.code(frame)

        return called


class ExprCompiler:
    """Compiles free-standing checked expressions against a program's helpers (no model needed).

    `compile(expr, names)` returns a function of (pre, post, action, mission words, cache,
    *values of `names`); callers that evaluate many expressions on the same inputs pass the same
    `cache` dict, so parameterless helpers run once per input.
    """

    def __init__(self, program: C.Program) -> None:
        self._variant = _Variant(program, None)

    def compile(self, e: C.Expr, names: tuple[str, ...] = ()) -> Callable[..., Any]:
        slots = Slots()
        scope: Slots = slots
        for name in names:
            scope, _ = scope.bind(name)
        code = self._variant.expr(e, scope)
        size = slots.size

        def run(pre: State, post: State | None, action: str, words: tuple[str, ...],
                cache: dict[str, Any], *values: Any) -> Any:  # fmt: skip
            frame: Frame = [pre, post, action, words, cache, *values]
            frame.extend([None] * (size - len(frame)))
            return code(frame)

        return run


def compile_program(program: C.Program, backend: Backend = DEFAULT_BACKEND) -> CompiledModel:
    """Compile a checked, hole-free model (raises `RunError` otherwise) with `backend`."""
    return CompiledModel(program, backend)


# ----------------------------------------------------------------------------- node builders


def _same(state: State) -> State:
    return state


def _raise(message: str) -> Any:
    raise RunError(message)


def _state_ref(which: C.StateName) -> Code:
    if which == "pre":
        return lambda f: f[PRE]

    def post(f: Frame) -> Any:
        if f[POST] is None:
            raise RunError("`next` is only available in reward and done")
        return f[POST]

    return post


def _let(slot: int, value: Code, body: Code) -> Code:
    def run(f: Frame) -> Any:
        f[slot] = value(f)
        return body(f)

    return run


def _matches(objects: tuple[Record, ...], keys: tuple[KeyCode, ...], f: Frame) -> list[int]:
    """Positions of the objects whose fields equal one of the keys' values, in order."""
    if not objects:
        return []
    if len(keys) == 1:
        fields, codes = keys[0]
        return _scan(objects, fields, [c(f) for c in codes])
    hits: set[int] = set()
    for fields, codes in keys:
        hits.update(_scan(objects, fields, [c(f) for c in codes]))
    return sorted(hits)


def _scan(objects: tuple[Record, ...], fields: tuple[int, ...], wants: list[Any]) -> list[int]:
    """Positions of the objects with `fields` equal to `wants` (one or two fields tested inline:
    most objects fail on the first)."""
    a, wa = fields[0], wants[0]
    if len(fields) == 1:
        return [i for i, o in enumerate(objects) if o[a] == wa]
    b, wb = fields[1], wants[1]
    hits = [i for i, o in enumerate(objects) if o[a] == wa and o[b] == wb]
    rest = list(zip(fields[2:], wants[2:], strict=True))
    return [i for i in hits if all(objects[i][k] == w for k, w in rest)] if rest else hits


def _apply(record: Record, updates: tuple[tuple[int, Code], ...], frame: Frame) -> Record:
    """`record` with the updated fields replaced by their rules' values on `frame`."""
    new = list(record)
    for index, code in updates:
        new[index] = code(frame)
    return tuple(new)


Visit = Callable[[tuple[Record, ...], Frame], Sequence[Record]]
"""Which of a collection's objects a quantifier runs its body on."""


def _visit_all(objects: tuple[Record, ...], f: Frame) -> Sequence[Record]:
    return objects


def _visit(keys: tuple[KeyCode, ...] | None) -> Visit:
    """All objects, or only those the keys match (no other object can satisfy the condition)."""
    if keys is None:
        return _visit_all
    return lambda objects, f: [objects[i] for i in _matches(objects, keys, f)]


def _quant(kind: C.QuantKind, slot: int, coll: Code, body: Code, visit: Visit = _visit_all) -> Code:
    def any_(f: Frame) -> bool:
        for o in visit(coll(f).objects, f):
            f[slot] = o
            if body(f):
                return True
        return False

    def all_(f: Frame) -> bool:
        for o in coll(f).objects:
            f[slot] = o
            if not body(f):
                return False
        return True

    def count(f: Frame) -> int:
        n = 0
        for o in visit(coll(f).objects, f):
            f[slot] = o
            if body(f):
                n += 1
        return n

    def total(f: Frame) -> int:
        n = 0
        for o in coll(f).objects:
            f[slot] = o
            n += body(f)
        return n

    match kind:
        case "any":
            return any_
        case "all":
            return all_
        case "count":
            return count
        case "sum":
            return total
        case _:
            assert_never(kind)


def _the(slot: int, coll: Code, cond: Code, value: Code, default: Code, visit: Visit) -> Code:
    def run(f: Frame) -> Any:
        hit = None
        for o in visit(coll(f).objects, f):
            f[slot] = o
            if cond(f):
                if hit is not None:
                    return default(f)
                hit = o
        if hit is None:
            return default(f)
        f[slot] = hit
        return value(f)

    return run


def _word(index: Code) -> Code:
    def run(f: Frame) -> str:
        i = index(f)
        words = f[WORDS]
        return words[i] if 0 <= i < len(words) else ""

    return run


def _pick(w: str, members: frozenset[str], default: Code, f: Frame) -> Any:
    return w if w in members else default(f)


def _find(nth: Code, default: Code, members: frozenset[str]) -> Code:
    def run(f: Frame) -> Any:
        k = nth(f)
        named = [w for w in f[WORDS] if w in members]
        return named[k] if 0 <= k < len(named) else default(f)

    return run


def _and(a: Code, b: Code) -> Code:
    return lambda f: bool(a(f)) and bool(b(f))


def _or(a: Code, b: Code) -> Code:
    return lambda f: bool(a(f)) or bool(b(f))


_BINARY: Mapping[str, Callable[[Code, Code], Code]] = MappingProxyType(
    {
        "and": _and,
        "or": _or,
        "==": lambda a, b: lambda f: a(f) == b(f),
        "!=": lambda a, b: lambda f: a(f) != b(f),
        "<": lambda a, b: lambda f: a(f) < b(f),
        "<=": lambda a, b: lambda f: a(f) <= b(f),
        ">": lambda a, b: lambda f: a(f) > b(f),
        ">=": lambda a, b: lambda f: a(f) >= b(f),
        "+": lambda a, b: lambda f: a(f) + b(f),
        "-": lambda a, b: lambda f: a(f) - b(f),
        "*": lambda a, b: lambda f: a(f) * b(f),
        "//": lambda a, b: lambda f: a(f) // b(f),
        "%": lambda a, b: lambda f: a(f) % b(f),
        "min": lambda a, b: lambda f: min(a(f), b(f)),
        "max": lambda a, b: lambda f: max(a(f), b(f)),
    }
)
