"""Code generation: checked model (`dsl.core`) -> Python source -> code objects, compiled once.

The second backend of `dsl.compile` (selected with `compile_program(program, backend="codegen")`).
For each action the model is specialised (`dsl.simplify.specialize_program`) and written out as
Python text by this module alone, from the typed AST; the builtin `compile()` turns that text
into code once, and `exec` of it only defines functions. No text from outside (a model file, a
mission) ever reaches `compile()`: names in the source are generated (`v3_o`, `f_fx`), literals
are written with `repr`, enum member sets are passed in as constants.

Each action gets three functions with the meaning of `CompiledModel.step`, `.next_state` and
`.outcome`: agent field updates as straight-line code, the per-object rules as one loop that
visits only the objects `dsl.keys.update_keys` says can change, quantifiers and `the` as loops
with the same object keys as `dsl.compile`, `let` as a local, short-circuit `and` / `or` / `if`
as Python's. Parameterless helpers are functions whose results are cached for the whole step in
a list `K` (one slot each); helpers with parameters that `dsl.simplify` did not inline are plain
functions. Errors are those of the interpreter: `RunError` for `next` outside reward and done
and for a hole (both also refused before running).

For the planners, `generate_expansion` writes one module for all actions in the flat form of
`dsl.values.FlatSpace`: a state is a tuple (agent fields, objects number), read as `pre[i]` and
`O[pre[n]]`, objects found by the space's indexes (`_T0[number].get(values, ())`), a changed
objects tuple numbered by `I`. Its `step(state)` steps every action in turn, and the helpers
that read neither the action nor `next` share one cache slot, so they run once per state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, assert_never

from dsl import core as C
from dsl.errors import RunError
from dsl.interp import unfilled_message
from dsl.keys import Key, free_vars, object_keys, update_keys
from dsl.simplify import Specialized, children, rebuild, size, specialize_program
from dsl.values import Flat, FlatSpace, Outcome, State

Words = tuple[str, ...]
StepFn = Callable[[State, Words], Outcome]
NextFn = Callable[[State, Words], State]
OutcomeFn = Callable[[State, State, Words], tuple[int, bool]]
ExpandFn = Callable[[Flat], list[tuple[Flat, int, bool]]]

_IND = "    "
_BINARY = {"==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "//", "%"}


@dataclass(frozen=True, slots=True)
class Generated:
    """One action's generated functions and the source text they were compiled from."""

    source: str
    step: StepFn
    next_state: NextFn
    outcome: OutcomeFn


class TooDeep(Exception):
    """Python refused the generated source: blocks or expressions nested past its limits (e.g.
    more than 20 nested loops); `dsl.compile` then uses closures for that action."""


class _Unset:
    """The value of a helper's cache slot before the helper has run in this step."""

    def __repr__(self) -> str:
        return "_U"


def _no_next() -> Any:
    raise RunError("`next` is only available in reward and done")


def _fail(message: str) -> Any:
    raise RunError(message)


def _find(words: Words, k: int, members: frozenset[str]) -> str | None:
    """The k-th word naming a member, or None."""
    named = [w for w in words if w in members]
    return named[k] if 0 <= k < len(named) else None


def generate(program: C.Program, action: str, spec: Specialized | None = None) -> Generated:
    """The compiled functions of `program` with `action` fixed (the program must be a model;
    `spec`: its `specialize_program` for the action, if already made); raises `TooDeep` if
    Python cannot compile them."""
    code = _code(program, action, spec or specialize_program(program, action), flat=False)
    namespace = code.namespace({"State": State, "Outcome": Outcome})
    return Generated(code.source, namespace["step"], namespace["next_state"], namespace["outcome"])


@dataclass(frozen=True, slots=True)
class ModuleCode:
    """A generated module, compiled once: one action's functions on `State`s (`generate`), or
    every action's step in the flat form of `dsl.values.FlatSpace` (`generate_expansion`;
    `step_in` gives one space's function)."""

    source: str
    code: CodeType
    consts: tuple[tuple[str, frozenset[str]], ...]
    tables: tuple[tuple[str, tuple[int, ...]], ...]

    def namespace(self, names: Mapping[str, Any]) -> dict[str, Any]:
        """A fresh namespace with the generated functions defined in it (reading `names`)."""
        namespace: dict[str, Any] = {
            "_U": _UNSET,
            "_M": _MANY,
            "_no_next": _no_next,
            "_fail": _fail,
            "_find": _find,
            "_MC": {},  # mission words -> values of the helpers that read only the mission
            **dict(self.consts),
            **names,
        }
        exec(self.code, namespace)  # only defines the generated functions
        return namespace

    def step_in(self, space: FlatSpace, words: Words) -> ExpandFn:
        """The module's `step` on the flat states of `space`, under a mission of these words."""
        names: dict[str, Any] = {"O": space.objects, "I": space.intern, "_W": words}
        names.update((name, space.index(fields)) for name, fields in self.tables)
        step: ExpandFn = self.namespace(names)["step"]
        return step


def generate_expansion(
    program: C.Program, specs: Mapping[str, Specialized] | None = None
) -> ModuleCode:
    """One module in the flat form whose function `step(state)` steps every action (in the
    order of `Schema.actions`) from a flat state under the mission `_W` (`ModuleCode.step_in`):
    a list of (next flat state, reward, done). Helpers that read neither the action nor `next`
    run once for all the actions. `specs`: the specialised program per action, if already
    made. Raises `TooDeep` likewise."""
    mod = _Module()
    common = _action_free(program)
    actions = program.schema.actions
    lines: list[str] = []
    for k, action in enumerate(actions):
        spec = specs[action] if specs else specialize_program(program, action)
        gen = _Gen(spec, action, program.schema, True, mod, f"f{k}_", common)
        lines += gen.functions(program.object_var, [(f"s{k}(pre, W, K)", "step")], own_cache=False)
    calls = ", ".join(f"s{k}(pre, W, K)" for k in range(len(actions)))
    lines += ["def step(pre):", f"{_IND}W = _W", f"{_IND}K = list(_K0)", f"{_IND}return [{calls}]"]
    return _compiled("\n".join(mod.header() + lines) + "\n", mod, "all actions")


def _code(program: C.Program, action: str, spec: Specialized, *, flat: bool) -> ModuleCode:
    gen = _Gen(spec, action, program.schema, flat)
    return _compiled(gen.module(program.object_var), gen.mod, action)


def _compiled(source: str, mod: _Module, what: str) -> ModuleCode:
    try:
        code = compile(source, f"<codegen {what}>", "exec")
    except (SyntaxError, RecursionError, MemoryError) as err:  # nested past Python's limits
        raise TooDeep(f"{what}: {type(err).__name__}: {err}") from None
    tables = tuple((name, fields) for fields, name in mod.tables.items())
    return ModuleCode(source, code, tuple(mod.consts.items()), tables)


_UNSET = _Unset()
_MANY = object()


@dataclass(slots=True)
class _Block:
    """Lines being written at one indentation, with what is known where they run: the locals
    holding helpers' values already computed (`known`), the object fields a key test has just
    matched (`facts`: `o[2]` -> the atom it equals) and how `next` reads (`post`)."""

    lines: list[str]
    ind: str
    post: str
    known: dict[object, str] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)

    def emit(self, line: str) -> None:
        self.lines.append(self.ind + line)

    def nested(self) -> _Block:
        """A block one level in (a branch or loop body): what holds here holds there."""
        return _Block([], self.ind + _IND, self.post, dict(self.known), dict(self.facts))

    def add(self, inner: _Block) -> None:
        self.lines.extend(inner.lines)


_NO_NEXT = "_no_next()"
_POST = "post"
_POST_MAYBE = "(post if post is not None else _no_next())"
_FIELD = re.compile(r"[A-Za-z_]\w*\[\d+\]")
_MISSIONS_KEPT = 256
"""Missions whose helper values a generated model keeps (all are dropped when it has more)."""
_INLINE_SIZE = 40
"""Largest parameterless helper body without quantifiers written inline at its first use in a
block instead of being called."""


@dataclass(slots=True)
class _Module:
    """What the writers of one module share: the slots of the per-step cache `K` (by helper,
    K[0] holding the mission's helper values), of those values, and the constants' names."""

    slots: dict[str, int] = field(default_factory=lambda: {"": 0})
    mission_slots: dict[str, int] = field(default_factory=dict)
    consts: dict[str, frozenset[str]] = field(default_factory=dict)
    tables: dict[tuple[int, ...], str] = field(default_factory=dict)  # flat form's indexes

    def header(self) -> list[str]:
        lines = [f"_K0 = ({'_U, ' * len(self.slots)})"]
        if self.mission_slots:  # values of helpers that read only the mission, kept per mission
            lines += [
                "def _mission(W):",
                f"{_IND}M = _MC.get(W)",
                f"{_IND}if M is None:",
                f"{_IND * 2}if len(_MC) >= {_MISSIONS_KEPT}:",
                f"{_IND * 3}_MC.clear()",
                f"{_IND * 2}M = _MC[W] = [_U] * {len(self.mission_slots)}",
                f"{_IND}return M",
            ]
        return lines


class _Gen:
    """Writes the source of one specialised model; names are fresh, so each is assigned once.

    Several actions' writers can share one module (`generate_expansion`): their helpers are
    named apart (`prefix`), and the helpers in `common` (None: all), which read neither the
    action nor `next`, share their cache slots, so one step's value serves every action."""

    def __init__(
        self, spec: Specialized, action: str, schema: C.Schema, flat: bool,
        module: _Module | None = None, prefix: str = "f_", common: frozenset[str] | None = None,
    ) -> None:  # fmt: skip
        self.spec = spec
        self.flat = flat  # write the flat form (`dsl.values.FlatSpace`) instead of `State`s
        self.widths = (len(schema.agent), len(schema.object))
        self.action = action
        self.fns = {f.name: f for f in spec.functions}
        self.mod = module or _Module()
        self.prefix = prefix
        self.common = common
        self.mission_only = _mission_only(spec.functions)
        self.pending: list[str] = []
        self.written: set[str] = set()
        self.count = 0

    # ------------------------------------------------------------------ module

    def module(self, var: str) -> str:
        if self.flat:
            tops = [("step(pre, W)", "step")]
        else:
            tops = [("step(pre, W)", "step"), ("next_state(pre, W)", "next"),
                    ("outcome(pre, post, W)", "outcome")]  # fmt: skip
        lines = self.functions(var, tops, own_cache=True)
        return "\n".join(self.mod.header() + lines) + "\n"

    def functions(self, var: str, tops: list[tuple[str, str]], own_cache: bool) -> list[str]:
        """The lines of the functions `tops` (signature, what: "step" | "next" | "outcome")
        and of the helpers they call; `own_cache`: each makes its `K`, else `K` is a parameter."""
        lines = [line for sig, what in tops for line in self._function(sig, var, what, own_cache)]
        while self.pending:
            lines += self._helper(self.fns[self.pending.pop()])
        return lines

    def _function(self, signature: str, var: str, what: str, own_cache: bool) -> list[str]:
        b = _Block([f"def {signature}:"], _IND, _NO_NEXT)
        if own_cache:
            b.emit("K = list(_K0)")
        if what in ("step", "next"):
            nxt = self._transition(var, b)
            if what == "next":
                b.emit(f"return {nxt}")
                return b.lines
            b.emit(f"post = {nxt}")
        b.post = _POST
        reward = self._atom(self.expr(self.spec.reward or C.Lit(0, C.INT), {}, b), b)
        done = self.expr(self.spec.done or C.Lit(False, C.BOOL), {}, b)
        if what == "outcome":
            b.emit(f"return ({reward}, {done})")
        elif self.flat:
            b.emit(f"return (post, {reward}, {done})")
        else:
            b.emit(f"return Outcome(post, {reward}, {done})")
        return b.lines

    def _transition(self, var: str, b: _Block) -> str:
        """Writes the next state's computation; returns the name of the local holding it. A
        step that changes no object shares the objects (and their hash) of the state before."""
        if self.flat:
            return self._flat_transition(var, b)
        agent = "pre.agent"
        if self.spec.agent_updates:
            agent = self._record("pre.agent", self.widths[0], self.spec.agent_updates, {}, b)
        new = self._objects(var, b)
        nxt = self.fresh("nxt")
        same = "pre" if agent == "pre.agent" else f"pre.with_agent({agent})"
        if new is None:
            b.emit(f"{nxt} = {same}")
        else:
            b.emit(f"{nxt} = {same} if {new} is None else State({agent}, tuple({new}))")
        return nxt

    def _flat_transition(self, var: str, b: _Block) -> str:
        """`_transition` for the flat form: the new tuple of agent fields and objects' number;
        changed objects are numbered by `I` (`FlatSpace.intern`)."""
        width = self.widths[0]
        agent = self._fields("pre", width, self.spec.agent_updates, {}, b)
        new = self._objects(var, b)
        nxt = self.fresh("nxt")
        same = "pre" if not self.spec.agent_updates else f"({', '.join(agent)}, pre[{width}])"
        if new is None:
            b.emit(f"{nxt} = {same}")
        else:
            changed = f"({', '.join(agent)}, I(tuple({new})))"
            b.emit(f"{nxt} = {same} if {new} is None else {changed}")
        return nxt

    def _record(
        self, old: str, width: int, updates: tuple[tuple[int, C.Expr], ...],
        env: Mapping[str, str], b: _Block,
    ) -> str:  # fmt: skip
        """The record `old` (of `width` fields) with the updated fields replaced, as a tuple
        expression; every update reads the old record."""
        return f"({', '.join(self._fields(old, width, updates, env, b))},)"

    def _fields(
        self, old: str, width: int, updates: tuple[tuple[int, C.Expr], ...],
        env: Mapping[str, str], b: _Block,
    ) -> list[str]:  # fmt: skip
        """The codes of the fields of `_record`."""
        rec = old if old.isidentifier() else self.fresh("r")
        if rec != old:
            b.emit(f"{rec} = {old}")
        values = {i: self._atom(self.expr(e, env, b), b) for i, e in updates}
        return [values.get(i, f"{rec}[{i}]") for i in range(width)]

    def _objects(self, var: str, b: _Block) -> str | None:
        """Writes the per-object rules; returns the local that will hold the list of new objects
        (None there if no object changed), or None if the rules change no object. An object
        whose rules give back its own values is left as it is (so a step that only might
        change objects, like `pickup` facing a wall, keeps the objects tuple)."""
        updates = self.spec.object_updates
        keys = update_keys(updates, var) if updates else ()
        if keys == ():
            return None  # the rules keep every field of every object
        new, pos, o = self.fresh("N"), self.fresh("p"), self.fresh(var)
        b.emit(f"{new} = None")
        objs, body = self._loop("pre", keys, o, {}, b, pos)
        fields = self._fields(o, self.widths[1], updates, {var: o}, body)
        changed = [f"{fields[i]} != {o}[{i}]" for i, _ in updates if fields[i] != f"{o}[{i}]"]
        if not changed:  # every rule keeps its field (written out, the loop has no effect)
            body.emit("pass")
            b.add(body)
            return None
        body.emit(f"if {' or '.join(changed)}:")
        body.emit(f"{_IND}if {new} is None:")
        body.emit(f"{_IND * 2}{new} = list({objs})")
        body.emit(f"{_IND}{new}[{pos}] = ({', '.join(fields)},)")
        b.add(body)
        return new

    def _loop(
        self, state: str, keys: tuple[Key, ...] | None, o: str, env: Mapping[str, str],
        b: _Block, pos: str | None = None,
    ) -> tuple[str, _Block]:  # fmt: skip
        """Writes a loop binding `o` (and its position `pos`) to the objects of the state whose
        code is `state` (a name) that match one of `keys` (all of them if None) into `b`.
        Returns the local holding the state's objects and the block of the loop body (to be
        added to `b` next). Keys implied by another are dropped; the fields all keys test (with
        the same values) find the objects by an index (`State.positions`, or `FlatSpace.index`
        in the flat form), and the rest of each key is tested on those; without such fields the
        loop tests every object."""
        objs = self.fresh("O")
        number = f"{state}[{self.widths[0]}]"
        b.emit(f"{objs} = O[{number}]" if self.flat else f"{objs} = {state}.objects")
        coded = _minimal(
            [tuple((i, self._atom(self.expr(v, env, b), b)) for i, v in key) for key in keys or ()]
        )
        common = sorted(set.intersection(*(set(k) for k in coded))) if coded else []
        if common:
            fields = tuple(i for i, _ in common)
            vals = [v for _, v in common]
            p = pos or self.fresh("p")
            wanted = vals[0] if len(vals) == 1 else f"({', '.join(vals)})"
            if self.flat:
                b.emit(f"for {p} in {self._table(fields)}[{number}].get({wanted}, ()):")
            else:
                b.emit(f"for {p} in {state}.positions({fields!r}, {wanted}):")
            body = b.nested()
            body.emit(f"{o} = {objs}[{p}]")
            body.facts.update((f"{o}[{i}]", v) for i, v in common)
            rests = [tuple(pair for pair in key if pair not in common) for key in coded]
        else:
            b.emit(f"for {pos}, {o} in enumerate({objs}):" if pos else f"for {o} in {objs}:")
            body = b.nested()
            rests = coded
        if not rests or not all(rests):
            return objs, body  # no keys, or one key is all tested
        tests = []
        for rest in rests:
            parts = []
            for index, v in rest:
                field = f"{o}[{index}]"
                parts.append({"True": field, "False": f"not {field}"}.get(v, f"{field} == {v}"))
            tests.append(" and ".join(parts))
        body.emit(f"if {' or '.join(f'({t})' for t in tests)}:")
        inner = body.nested()
        inner.lines = body.lines
        return objs, inner

    def _table(self, fields: tuple[int, ...]) -> str:
        """The name of the flat form's index by `fields` (`FlatSpace.index`)."""
        return self.mod.tables.setdefault(fields, f"_T{len(self.mod.tables)}")

    def _helper(self, fn: C.FnDef) -> list[str]:
        env = {name: self.fresh(name) for name, _ in fn.params}
        params = "".join(f", {env[name]}" for name, _ in fn.params)
        b = _Block([f"def {self.prefix}{fn.name}(pre, post, W, K{params}):"], _IND, _POST_MAYBE)
        body = self.expr(fn.body, env, b)
        b.emit(f"return {body}")
        return b.lines

    # ------------------------------------------------------------------ helpers of the writer

    def fresh(self, stem: str) -> str:
        """A new local name; `stem` (a DSL name, maybe renamed apart as `o%3`) is kept readable."""
        self.count += 1
        return f"v{self.count}_{''.join(c for c in stem if c.isalnum() or c == '_')}"

    def _once(self, e: C.Expr, env: Mapping[str, str], b: _Block, write: Callable[[], str]) -> str:
        """The local holding the value of `e` (a loop or a call) if it was computed before where
        `b` runs, up to the names of binders and with its free variables bound to the same
        locals; else it is written (`write`) and kept."""
        key = _canonical(e, {n: f"={env[n]}" for n in free_vars(e) if n in env})
        if key in b.known:
            return b.known[key]
        code = self._atom(write(), b)
        b.known[key] = code
        return code

    def _atom(self, code: str, b: _Block) -> str:
        """`code` if it is a name, a literal or a field of a name (`v3_o[2]`: cheap to repeat,
        and what key facts are about), else a fresh local assigned `code`."""
        if code.isidentifier() or _literal(code) or _FIELD.fullmatch(code):
            return code
        name = self.fresh("t")
        b.emit(f"{name} = {code}")
        return name

    def _const(self, members: tuple[str, ...]) -> str:
        name = f"_E{len(self.mod.consts)}"
        self.mod.consts[name] = frozenset(members)
        return name

    # ------------------------------------------------------------------ expressions

    def expr(self, e: C.Expr, env: Mapping[str, str], b: _Block) -> str:
        """Writes the statements `e` needs into `b` and returns a Python expression for its
        value. The expression only reads names assigned before it, and has no side effects."""
        match e:
            case C.Lit(value):
                return repr(value)
            case C.Var(name):
                return env[name]
            case C.StateRef(which):
                return "pre" if which == "pre" else b.post
            case C.ActionRef():
                return repr(self.action)
            case C.AgentOf(state):  # flat: the agent's fields lead the state's tuple
                return self.expr(state, env, b) + ("" if self.flat else ".agent")
            case C.ObjectsOf(state):
                return self.expr(state, env, b)
            case C.GetField(record, _, index):
                code = f"{self.expr(record, env, b)}[{index}]"
                fact = b.facts.get(code)
                return fact if fact is not None and _literal(fact) else code
            case C.Prim(op, args):
                return self._prim(op, args, env, b)
            case C.Ite(cond, then, orelse):
                return self._branches(self.expr(cond, env, b), then, orelse, env, b)
            case C.LetIn(name, value, body):
                v = self._atom(self.expr(value, env, b), b)
                return self.expr(body, {**env, name: v}, b)
            case C.QuantE(kind, var, coll, body):
                return self._once(e, env, b, lambda: self._quant(kind, var, coll, body, env, b))
            case C.TheE():
                return self._once(e, env, b, lambda: self._the(e, env, b))
            case C.MatchE(subject, arms):
                return self._match(subject, arms, env, b)
            case C.CallE(fn, args) if args:
                return self._once(e, env, b, lambda: self._call(fn, args, env, b))
            case C.CallE(fn, args):
                return self._call(fn, args, env, b)
            case C.MissionWord(index):
                i = self._atom(self.expr(index, env, b), b)
                if i.isdigit():
                    return f"(W[{i}] if len(W) > {i} else '')"
                return f"(W[{i}] if 0 <= {i} < len(W) else '')"
            case C.HasWord(word):
                return f"({self.expr(word, env, b)} in W)"
            case C.Lookup(word, default, enum):
                w = self._atom(self.expr(word, env, b), b)
                test = f"{w} in {self._const(enum.members)}"
                return self._branches(test, _Code(w), default, env, b)
            case C.Find(nth, default, enum):
                k = self.expr(nth, env, b)
                hit = self.fresh("w")
                b.emit(f"{hit} = _find(W, {k}, {self._const(enum.members)})")
                return self._branches(f"{hit} is None", default, _Code(hit), env, b)
            case C.HoleE():
                return f"_fail({unfilled_message(e)!r})"
            case _:
                assert_never(e)

    def _branches(
        self, cond: str, then: C.Expr | _Code, orelse: C.Expr | _Code, env: Mapping[str, str],
        b: _Block,
    ) -> str:  # fmt: skip
        """`then` if the Python test `cond` holds else `orelse`, each written only where taken
        (a `_Code` branch is Python code already)."""
        if cond in ("True", "False"):
            taken = then if cond == "True" else orelse
            return taken.code if isinstance(taken, _Code) else self.expr(taken, env, b)
        tb, eb = b.nested(), b.nested()
        t = then.code if isinstance(then, _Code) else self.expr(then, env, tb)
        f = orelse.code if isinstance(orelse, _Code) else self.expr(orelse, env, eb)
        if not tb.lines and not eb.lines:
            return t if t == f else f"({t} if {cond} else {f})"
        return self._join(cond, (tb, t), (eb, f), b)

    def _join(self, cond: str, yes: tuple[_Block, str], no: tuple[_Block, str], b: _Block) -> str:
        """`if cond: <yes block> else: <no block>`, each ending in a fresh variable set to its
        value; that variable."""
        tmp = self.fresh("t")
        for block, value in (yes, no):
            block.emit(f"{tmp} = {value}")
        b.emit(f"if {cond}:")
        b.add(yes[0])
        b.emit("else:")
        b.add(no[0])
        return tmp

    def _prim(
        self, op: C.PrimOp, args: tuple[C.Expr, ...], env: Mapping[str, str], b: _Block
    ) -> str:
        if op in ("and", "or"):
            a = self.expr(args[0], env, b)
            unit, zero = ("True", "False") if op == "and" else ("False", "True")
            if a == unit:
                return self.expr(args[1], env, b)
            if a == zero:
                return zero
            rest = b.nested()
            c = self.expr(args[1], env, rest)
            if not rest.lines:
                return a if c == unit else f"({a} {op} {c})"
            tmp = self.fresh("t")
            rest.emit(f"{tmp} = {c}")
            b.emit(f"{tmp} = {a}")
            b.emit(f"if {'' if op == 'and' else 'not '}{tmp}:")
            b.add(rest)
            return tmp
        vals = [self.expr(a, env, b) for a in args]
        match op:
            case "not":
                return {"True": "False", "False": "True"}.get(vals[0], f"(not {vals[0]})")
            case "neg":
                return f"(-{vals[0]})"
            case "abs" | "min" | "max":
                return f"{op}({', '.join(vals)})"
            case "==" | "!=":
                x, y = vals
                same = (x == y and _literal(x)) or b.facts.get(x) == y or b.facts.get(y) == x
                if same:  # equal literals, or a key test has compared them
                    return "True" if op == "==" else "False"
                if _literal(x) and _literal(y):  # literals of one type written differently
                    return "False" if op == "==" else "True"
                return f"({x} {op} {y})"
            case "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "//" | "%":
                return f"({vals[0]} {op} {vals[1]})"
            case "and" | "or":
                raise AssertionError(op)
            case _:
                assert_never(op)

    def _quant(
        self, kind: C.QuantKind, var: str, coll: C.Expr, body: C.Expr, env: Mapping[str, str],
        b: _Block,
    ) -> str:  # fmt: skip
        start = {"any": "False", "all": "True", "count": "0", "sum": "0"}[kind]
        keys = object_keys(body, var, frozenset(env)) if kind in ("any", "count") else None
        if keys == ():
            return start  # no object can satisfy the condition
        state = self._atom(self.expr(coll, env, b), b)
        acc, o = self.fresh(kind), self.fresh(var)
        b.emit(f"{acc} = {start}")
        _, inner = self._loop(state, keys, o, env, b)
        v = self.expr(body, {**env, var: o}, inner)
        match kind:
            case "any":
                _guarded(inner, v, f"{acc} = True", "break")
            case "all":
                _guarded(inner, f"not {v}", f"{acc} = False", "break")
            case "count":
                _guarded(inner, v, f"{acc} += 1")
            case "sum":
                inner.emit(f"{acc} += {v}")
            case _:
                assert_never(kind)
        b.add(inner)
        return acc

    def _the(self, e: C.TheE, env: Mapping[str, str], b: _Block) -> str:
        keys = object_keys(e.cond, e.var, frozenset(env))
        hit = self.fresh("hit")
        b.emit(f"{hit} = _U")
        if keys != ():
            state = self._atom(self.expr(e.coll, env, b), b)
            o = self.fresh(e.var)
            _, inner = self._loop(state, keys, o, env, b)
            c = self.expr(e.cond, {**env, e.var: o}, inner)
            if c == "False":
                inner.emit("pass")  # no object matches
            else:
                deeper = ""
                if c != "True":
                    inner.emit(f"if {c}:")
                    deeper = _IND
                inner.emit(f"{deeper}if {hit} is not _U:")  # a second match: the default
                inner.emit(f"{deeper}{_IND}{hit} = _M")
                inner.emit(f"{deeper}{_IND}break")
                inner.emit(f"{deeper}{hit} = {o}")
            b.add(inner)
        found = self.fresh(e.var)
        tb, eb = b.nested(), b.nested()
        tb.emit(f"{found} = {hit}")
        v = self.expr(e.value, {**env, e.var: found}, tb)
        d = self.expr(e.default, env, eb)
        return self._join(f"{hit} is _U or {hit} is _M", (eb, d), (tb, v), b)

    def _match(
        self, subject: C.Expr, arms: tuple[C.Expr, ...], env: Mapping[str, str], b: _Block
    ) -> str:
        assert isinstance(subject.type, C.EnumT)
        s = self._atom(self.expr(subject, env, b), b)
        members = subject.type.members
        blocks = [b.nested() for _ in arms]
        values = [self.expr(a, env, blk) for a, blk in zip(arms, blocks, strict=True)]
        if not any(blk.lines for blk in blocks):
            code = values[-1]
            for member, value in zip(members[-2::-1], values[-2::-1], strict=True):
                code = f"({value} if {s} == {member!r} else {code})"
            return code
        tmp = self.fresh("t")
        for n, (member, blk, value) in enumerate(zip(members, blocks, values, strict=True)):
            last = n == len(members) - 1
            b.emit("else:" if last else f"{'if' if n == 0 else 'elif'} {s} == {member!r}:")
            blk.emit(f"{tmp} = {value}")
            b.add(blk)
        return tmp

    def _call(self, fn: str, args: tuple[C.Expr, ...], env: Mapping[str, str], b: _Block) -> str:
        post = "None" if b.post == _NO_NEXT else "post"
        if args:
            self._need(fn)
            vals = "".join(f", {self.expr(a, env, b)}" for a in args)
            return f"{self.prefix}{fn}(pre, {post}, W, K{vals})"
        if fn in b.known:
            return b.known[fn]
        common = self.common is None or fn in self.common
        slots = self.mod.mission_slots
        if fn in self.mission_only and common:
            cache = f"{self._mission_values(b)}[{slots.setdefault(fn, len(slots))}]"
        else:
            slots = self.mod.slots
            key = fn if common else f"{self.action}/{fn}"
            cache = f"K[{slots.setdefault(key, len(slots))}]"
        tmp = self.fresh(fn)
        b.emit(f"{tmp} = {cache}")
        b.emit(f"if {tmp} is _U:")
        inner = b.nested()
        body = self.fns[fn].body
        if size(body) <= _INLINE_SIZE and not _loops(body):
            value = self.expr(body, {}, inner)
        else:
            self._need(fn)
            value = f"{self.prefix}{fn}(pre, {post}, W, K)"
        inner.emit(f"{tmp} = {cache} = {value}")
        b.add(inner)
        b.known[fn] = tmp
        return tmp

    def _mission_values(self, b: _Block) -> str:
        """The local holding the list of the values of the helpers that read only the mission
        (kept in K[0] for the step, and per mission words across steps)."""
        if "" in b.known:
            return b.known[""]
        m = self.fresh("M")
        b.emit(f"{m} = K[0]")
        b.emit(f"if {m} is _U:")
        b.emit(f"{_IND}{m} = K[0] = _mission(W)")
        b.known[""] = m
        return m

    def _need(self, fn: str) -> None:
        if fn not in self.written:
            self.written.add(fn)
            self.pending.append(fn)


@dataclass(frozen=True, slots=True)
class _Code:
    """A branch that is Python code already (a local's name)."""

    code: str


def _guarded(b: _Block, test: str, *lines: str) -> None:
    """Writes `lines` into `b` under `if test:`, or directly when the test is `True`."""
    if test in ("True", "not False"):
        for line in lines:
            b.emit(line)
        return
    if test in ("False", "not True"):
        b.emit("pass")  # the loop may hold nothing else
        return
    b.emit(f"if {test}:")
    for line in lines:
        b.emit(_IND + line)


def _action_free(program: C.Program) -> frozenset[str]:
    """The helpers of `program` whose value depends on neither the action nor `next`, even
    through the helpers they call."""
    free: dict[str, bool] = {}

    def reads(e: C.Expr) -> bool:
        match e:
            case C.ActionRef() | C.StateRef("post"):
                return True
            case C.CallE(fn, _) if not is_free(fn):
                return True
            case _:
                return any(reads(c) for c in children(e))

    def is_free(fn: str) -> bool:
        if fn not in free:
            free[fn] = not reads(program.function(fn).body)
        return free[fn]

    return frozenset(f.name for f in program.functions if is_free(f.name))


def _mission_only(functions: tuple[C.FnDef, ...]) -> frozenset[str]:
    """The helpers without parameters whose value depends on the mission alone (`functions` lists
    callees first): no state, no hole, calls only of such helpers."""
    found: set[str] = set()
    for fn in functions:
        if not fn.params and _reads_mission_only(fn.body, found):
            found.add(fn.name)
    return frozenset(found)


def _reads_mission_only(e: C.Expr, helpers: set[str]) -> bool:
    match e:
        case C.StateRef() | C.HoleE():
            return False
        case C.CallE(fn, args) if args or fn not in helpers:
            return False
        case _:
            return all(_reads_mission_only(c, helpers) for c in children(e))


def _canonical(e: C.Expr, names: Mapping[str, str], depth: int = 0) -> C.Expr:
    """`e` with its variables renamed by `names` and its binders named by depth (`#0`, `#1`,
    ...), so that expressions equal up to the names of their binders (a helper inlined twice,
    renamed apart) become equal."""
    match e:
        case C.Var(name, t) if name in names:
            return C.Var(names[name], t)
        case C.LetIn(name, value, body, t):
            new, inner = f"#{depth}", {**names, name: f"#{depth}"}
            value, body = _canonical(value, names, depth), _canonical(body, inner, depth + 1)
            return C.LetIn(new, value, body, t)
        case C.QuantE(kind, var, coll, body, t):
            new, inner = f"#{depth}", {**names, var: f"#{depth}"}
            coll, body = _canonical(coll, names, depth), _canonical(body, inner, depth + 1)
            return C.QuantE(kind, new, coll, body, t)
        case C.TheE(var, coll, cond, value, default, t):
            new, inner = f"#{depth}", {**names, var: f"#{depth}"}
            return C.TheE(new, _canonical(coll, names, depth), _canonical(cond, inner, depth + 1),
                          _canonical(value, inner, depth + 1), _canonical(default, names, depth),
                          t)  # fmt: skip
        case _:
            kids = children(e)
            return rebuild(e, tuple(_canonical(k, names, depth) for k in kids)) if kids else e


def _minimal(keys: list[tuple[tuple[int, str], ...]]) -> list[tuple[tuple[int, str], ...]]:
    """`keys` (field, value code) without those that test all another key tests and more (any
    object they match, that one matches), in order, each once."""
    out: list[tuple[tuple[int, str], ...]] = []
    for n, key in enumerate(keys):
        mine = set(key)
        implied = any(
            set(other) < mine or (set(other) == mine and m < n) for m, other in enumerate(keys)
        )
        if not implied:
            out.append(key)
    return out


def _loops(e: C.Expr) -> bool:
    """Whether `e` has a quantifier or `the` (a loop over the objects)."""
    return isinstance(e, C.QuantE | C.TheE) or any(_loops(c) for c in children(e))


def _literal(code: str) -> bool:
    """Whether generated `code` is a literal: equal literals of one type are written alike."""
    return (
        code in ("True", "False", "None", "''")
        or code.lstrip("-").isdigit()
        or (len(code) > 1 and code[0] == code[-1] == "'" and code[1:-1].isidentifier())
    )
