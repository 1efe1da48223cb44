"""Code generation: checked model (`dsl.core`) -> Python source -> one code object per action.

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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, assert_never

from dsl import core as C
from dsl.errors import RunError
from dsl.interp import unfilled_message
from dsl.keys import Key, object_keys, update_keys
from dsl.simplify import Specialized, specialize_program
from dsl.values import Outcome, State

Words = tuple[str, ...]
StepFn = Callable[[State, Words], Outcome]
NextFn = Callable[[State, Words], State]
OutcomeFn = Callable[[State, State, Words], tuple[int, bool]]

_IND = "    "
_BINARY = {"==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "//", "%"}


@dataclass(frozen=True, slots=True)
class Generated:
    """One action's generated functions and the source text they were compiled from."""

    source: str
    step: StepFn
    next_state: NextFn
    outcome: OutcomeFn


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


def generate(program: C.Program, action: str) -> Generated:
    """The compiled functions of `program` with `action` fixed (the program must be a model)."""
    spec = specialize_program(program, action)
    gen = _Gen(spec, action, program.schema)
    source = gen.module(program.object_var)
    namespace: dict[str, Any] = {
        "_U": _UNSET,
        "_M": _MANY,
        "_no_next": _no_next,
        "_fail": _fail,
        "_find": _find,
        "State": State,
        "Outcome": Outcome,
        **gen.consts,
    }
    code = compile(source, f"<codegen {action}>", "exec")
    exec(code, namespace)  # only defines the generated functions
    return Generated(source, namespace["step"], namespace["next_state"], namespace["outcome"])


_UNSET = _Unset()
_MANY = object()


class _Gen:
    """Writes the source of one specialised model; names are fresh, so each is assigned once."""

    def __init__(self, spec: Specialized, action: str, schema: C.Schema) -> None:
        self.spec = spec
        self.widths = (len(schema.agent), len(schema.object))
        self.action = action
        self.fns = {f.name: f for f in spec.functions}
        self.slots: dict[str, int] = {}
        self.consts: dict[str, frozenset[str]] = {}
        self.pending: list[str] = []
        self.done: set[str] = set()
        self.count = 0
        self.post = "None"  # how `next` reads where code is being written

    # ------------------------------------------------------------------ module

    def module(self, var: str) -> str:
        lines: list[str] = []
        lines += self._function("step(pre, W)", var, "step")
        lines += self._function("next_state(pre, W)", var, "next")
        lines += self._function("outcome(pre, post, W)", var, "outcome")
        while self.pending:
            lines += self._helper(self.fns[self.pending.pop()])
        header = [f"_K0 = ({'_U, ' * len(self.slots)})"]
        return "\n".join(header + lines) + "\n"

    def _function(self, signature: str, var: str, what: str) -> list[str]:
        out = [f"def {signature}:", f"{_IND}K = list(_K0)"]
        if what in ("step", "next"):
            self.post = "None"
            nxt = self._transition(var, out)
            if what == "next":
                out.append(f"{_IND}return {nxt}")
                return out
            out.append(f"{_IND}post = {nxt}")
        self.post = "post"
        reward = self.expr(self.spec.reward or C.Lit(0, C.INT), {}, out, _IND)
        reward = self._atom(reward, out, _IND)
        done = self.expr(self.spec.done or C.Lit(False, C.BOOL), {}, out, _IND)
        if what == "step":
            out.append(f"{_IND}return Outcome(post, {reward}, {done})")
        else:
            out.append(f"{_IND}return ({reward}, {done})")
        return out

    def _transition(self, var: str, out: list[str]) -> str:
        """Writes the next state's computation; returns the name of the local holding it."""
        agent = "pre.agent"
        if self.spec.agent_updates:
            agent = self._record("pre.agent", self.widths[0], self.spec.agent_updates, {}, out,
                                 _IND)  # fmt: skip
        objs = self._objects(var, out)
        nxt = self.fresh("nxt")
        out.append(f"{_IND}{nxt} = State({agent}, {objs})")
        return nxt

    def _record(
        self, old: str, width: int, updates: tuple[tuple[int, C.Expr], ...],
        env: Mapping[str, str], out: list[str], ind: str,
    ) -> str:  # fmt: skip
        """The record `old` (of `width` fields) with the updated fields replaced, as a tuple
        expression; every update reads the old record."""
        rec = old if old.isidentifier() else self.fresh("r")
        if rec != old:
            out.append(f"{ind}{rec} = {old}")
        values = {i: self._atom(self.expr(e, env, out, ind), out, ind) for i, e in updates}
        fields = [values.get(i, f"{rec}[{i}]") for i in range(width)]
        return f"({', '.join(fields)},)"

    def _objects(self, var: str, out: list[str]) -> str:
        updates = self.spec.object_updates
        if not updates:
            return "pre.objects"
        keys = update_keys(updates, var)
        if keys == ():
            return "pre.objects"  # the rules keep every field of every object
        objs, new, pos, o = self.fresh("O"), self.fresh("N"), self.fresh("p"), self.fresh(var)
        out.append(f"{_IND}{objs} = pre.objects")
        out.append(f"{_IND}{new} = {'None' if keys is not None else f'list({objs})'}")
        test = None if keys is None else self._key_test(keys, o, {}, out, _IND)
        out.append(f"{_IND}for {pos}, {o} in enumerate({objs}):")
        ind = _IND * 2
        if test is not None:
            out.append(f"{ind}if {test}:")
            ind += _IND
        record = self._record(o, self.widths[1], updates, {var: o}, out, ind)
        if keys is not None:
            out.append(f"{ind}if {new} is None:")
            out.append(f"{ind}{_IND}{new} = list({objs})")
        out.append(f"{ind}{new}[{pos}] = {record}")
        result = self.fresh("objs")
        out.append(f"{_IND}{result} = {objs} if {new} is None else tuple({new})")
        return result

    def _helper(self, fn: C.FnDef) -> list[str]:
        env = {name: self.fresh(name) for name, _ in fn.params}
        params = "".join(f", {env[name]}" for name, _ in fn.params)
        out = [f"def f_{fn.name}(pre, post, W, K{params}):"]
        self.post = "post"
        body = self.expr(fn.body, env, out, _IND, helper=True)
        out.append(f"{_IND}return {body}")
        return out

    # ------------------------------------------------------------------ helpers of the writer

    def fresh(self, stem: str) -> str:
        """A new local name; `stem` (a DSL name, maybe renamed apart as `o%3`) is kept readable."""
        self.count += 1
        return f"v{self.count}_{''.join(c for c in stem if c.isalnum() or c == '_')}"

    def _atom(self, code: str, out: list[str], ind: str) -> str:
        """`code` if it is a name or a literal, else a fresh local assigned `code`."""
        if code.isidentifier() or _literal(code):
            return code
        name = self.fresh("t")
        out.append(f"{ind}{name} = {code}")
        return name

    def _const(self, members: tuple[str, ...]) -> str:
        name = f"_E{len(self.consts)}"
        self.consts[name] = frozenset(members)
        return name

    def _key_test(
        self, keys: tuple[Key, ...], o: str, env: Mapping[str, str], out: list[str], ind: str
    ) -> str:
        """A test that object `o` matches one of the keys (their values computed first)."""
        tests = []
        for key in keys:
            parts = []
            for index, value in key:
                v = self._atom(self.expr(value, env, out, ind), out, ind)
                parts.append(f"{o}[{index}] == {v}")
            tests.append(" and ".join(parts))
        return " or ".join(f"({t})" for t in tests) if len(tests) > 1 else tests[0]

    # ------------------------------------------------------------------ expressions

    def expr(
        self, e: C.Expr, env: Mapping[str, str], out: list[str], ind: str, helper: bool = False
    ) -> str:
        """Writes the statements `e` needs into `out` and returns a Python expression for its
        value. The expression only reads names assigned before it, and has no side effects."""
        match e:
            case C.Lit(value):
                return repr(value)
            case C.Var(name):
                return env[name]
            case C.StateRef(which):
                if which == "pre":
                    return "pre"
                if self.post == "None":
                    return "_no_next()"
                return "(post if post is not None else _no_next())" if helper else "post"
            case C.ActionRef():
                return repr(self.action)
            case C.AgentOf(state):
                return f"{self.expr(state, env, out, ind, helper)}.agent"
            case C.ObjectsOf(state):
                return self.expr(state, env, out, ind, helper)
            case C.GetField(record, _, index):
                return f"{self.expr(record, env, out, ind, helper)}[{index}]"
            case C.Prim(op, args):
                return self._prim(op, args, env, out, ind, helper)
            case C.Ite(cond, then, orelse):
                c = self.expr(cond, env, out, ind, helper)
                return self._branches(c, then, orelse, env, out, ind, helper)
            case C.LetIn(name, value, body):
                v = self.expr(value, env, out, ind, helper)
                if not (v.isidentifier() or _literal(v)):
                    local = self.fresh(name)
                    out.append(f"{ind}{local} = {v}")
                    v = local
                return self.expr(body, {**env, name: v}, out, ind, helper)
            case C.QuantE(kind, var, coll, body):
                return self._quant(kind, var, coll, body, env, out, ind, helper)
            case C.TheE(var, coll, cond, value, default):
                return self._the(e, env, out, ind, helper)
            case C.MatchE(subject, arms):
                return self._match(subject, arms, env, out, ind, helper)
            case C.CallE(fn, args):
                return self._call(fn, args, env, out, ind, helper)
            case C.MissionWord(index):
                i = self._atom(self.expr(index, env, out, ind, helper), out, ind)
                return f"(W[{i}] if 0 <= {i} < len(W) else '')"
            case C.HasWord(word):
                return f"({self.expr(word, env, out, ind, helper)} in W)"
            case C.Lookup(word, default, enum):
                w = self._atom(self.expr(word, env, out, ind, helper), out, ind)
                test = f"{w} in {self._const(enum.members)}"
                return self._branches(test, C.Lit(w, enum), default, env, out, ind, helper, True)
            case C.Find(nth, default, enum):
                k = self.expr(nth, env, out, ind, helper)
                hit = self.fresh("w")
                out.append(f"{ind}{hit} = _find(W, {k}, {self._const(enum.members)})")
                nothing = f"{hit} is None"
                return self._branches(nothing, default, C.Lit(hit, enum), env, out, ind, helper,
                                      False, True)  # fmt: skip
            case C.HoleE():
                return f"_fail({unfilled_message(e)!r})"
            case _:
                assert_never(e)

    def _branches(
        self, cond: str, then: C.Expr, orelse: C.Expr, env: Mapping[str, str], out: list[str],
        ind: str, helper: bool, then_is_name: bool = False, else_is_name: bool = False,
    ) -> str:  # fmt: skip
        """`then` if the Python test `cond` holds else `orelse`, each evaluated only if taken.
        A `*_is_name` branch is a `Lit` holding a Python name, written as it is."""
        tb: list[str] = []
        eb: list[str] = []
        inner = ind + _IND
        t = _name_of(then) if then_is_name else self.expr(then, env, tb, inner, helper)
        f = _name_of(orelse) if else_is_name else self.expr(orelse, env, eb, inner, helper)
        if not tb and not eb:
            return f"({t} if {cond} else {f})"
        tmp = self.fresh("t")
        out.append(f"{ind}if {cond}:")
        out.extend(tb)
        out.append(f"{inner}{tmp} = {t}")
        out.append(f"{ind}else:")
        out.extend(eb)
        out.append(f"{inner}{tmp} = {f}")
        return tmp

    def _prim(
        self, op: C.PrimOp, args: tuple[C.Expr, ...], env: Mapping[str, str], out: list[str],
        ind: str, helper: bool,
    ) -> str:  # fmt: skip
        if op in ("and", "or"):
            a = self.expr(args[0], env, out, ind, helper)
            rest: list[str] = []
            b = self.expr(args[1], env, rest, ind + _IND, helper)
            if not rest:
                return f"({a} {op} {b})"
            tmp = self.fresh("t")
            out.append(f"{ind}{tmp} = {a}")
            out.append(f"{ind}if {'' if op == 'and' else 'not '}{tmp}:")
            out.extend(rest)
            out.append(f"{ind}{_IND}{tmp} = {b}")
            return tmp
        vals = [self.expr(a, env, out, ind, helper) for a in args]
        match op:
            case "not":
                return f"(not {vals[0]})"
            case "neg":
                return f"(-{vals[0]})"
            case "abs" | "min" | "max":
                return f"{op}({', '.join(vals)})"
            case "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "//" | "%":
                return f"({vals[0]} {op} {vals[1]})"
            case "and" | "or":
                raise AssertionError(op)
            case _:
                assert_never(op)

    def _quant(
        self, kind: C.QuantKind, var: str, coll: C.Expr, body: C.Expr, env: Mapping[str, str],
        out: list[str], ind: str, helper: bool,
    ) -> str:  # fmt: skip
        objs = self.expr(coll, env, out, ind, helper)
        keys = object_keys(body, var, frozenset(env)) if kind in ("any", "count") else None
        start = {"any": "False", "all": "True", "count": "0", "sum": "0"}[kind]
        if keys == ():
            return start  # no object can satisfy the condition
        acc, o = self.fresh(kind), self.fresh(var)
        test = None if keys is None else self._key_test(keys, o, env, out, ind)
        out.append(f"{ind}{acc} = {start}")
        out.append(f"{ind}for {o} in {objs}.objects:")
        inner = ind + _IND
        if test is not None:
            out.append(f"{inner}if {test}:")
            inner += _IND
        b = self.expr(body, {**env, var: o}, out, inner, helper)
        match kind:
            case "any":
                out += [f"{inner}if {b}:", f"{inner}{_IND}{acc} = True", f"{inner}{_IND}break"]
            case "all":
                out += [f"{inner}if not {b}:", f"{inner}{_IND}{acc} = False", f"{inner}{_IND}break"]
            case "count":
                out += [f"{inner}if {b}:", f"{inner}{_IND}{acc} += 1"]
            case "sum":
                out.append(f"{inner}{acc} += {b}")
            case _:
                assert_never(kind)
        return acc

    def _the(
        self, e: C.TheE, env: Mapping[str, str], out: list[str], ind: str, helper: bool
    ) -> str:
        objs = self.expr(e.coll, env, out, ind, helper)
        keys = object_keys(e.cond, e.var, frozenset(env))
        hit, o = self.fresh("hit"), self.fresh(e.var)
        test = None if not keys else self._key_test(keys, o, env, out, ind)
        out.append(f"{ind}{hit} = _U")
        if keys != ():
            out.append(f"{ind}for {o} in {objs}.objects:")
            inner = ind + _IND
            if test is not None:
                out.append(f"{inner}if {test}:")
                inner += _IND
            c = self.expr(e.cond, {**env, e.var: o}, out, inner, helper)
            out.append(f"{inner}if {c}:")
            out.append(f"{inner}{_IND}if {hit} is not _U:")
            out.append(f"{inner}{_IND * 2}{hit} = _M")
            out.append(f"{inner}{_IND * 2}break")
            out.append(f"{inner}{_IND}{hit} = {o}")
        found = self.fresh(e.var)
        tb: list[str] = [f"{ind}{_IND}{found} = {hit}"]
        eb: list[str] = []
        inner = ind + _IND
        v = self.expr(e.value, {**env, e.var: found}, tb, inner, helper)
        d = self.expr(e.default, env, eb, inner, helper)
        tmp = self.fresh("t")
        out.append(f"{ind}if {hit} is _U or {hit} is _M:")
        out.extend(eb)
        out.append(f"{inner}{tmp} = {d}")
        out.append(f"{ind}else:")
        out.extend(tb)
        out.append(f"{inner}{tmp} = {v}")
        return tmp

    def _match(
        self, subject: C.Expr, arms: tuple[C.Expr, ...], env: Mapping[str, str], out: list[str],
        ind: str, helper: bool,
    ) -> str:  # fmt: skip
        assert isinstance(subject.type, C.EnumT)
        s = self._atom(self.expr(subject, env, out, ind, helper), out, ind)
        members = subject.type.members
        inner = ind + _IND
        bodies: list[list[str]] = [[] for _ in arms]
        values = [self.expr(a, env, b, inner, helper) for a, b in zip(arms, bodies, strict=True)]
        if not any(bodies):
            code = values[-1]
            for member, value in zip(members[-2::-1], values[-2::-1], strict=True):
                code = f"({value} if {s} == {member!r} else {code})"
            return code
        tmp = self.fresh("t")
        for n, (member, body, value) in enumerate(zip(members, bodies, values, strict=True)):
            last = n == len(members) - 1
            head = "else:" if last else f"{'if' if n == 0 else 'elif'} {s} == {member!r}:"
            out.append(f"{ind}{head}")
            out.extend(body)
            out.append(f"{inner}{tmp} = {value}")
        return tmp

    def _call(
        self, fn: str, args: tuple[C.Expr, ...], env: Mapping[str, str], out: list[str],
        ind: str, helper: bool,
    ) -> str:  # fmt: skip
        if fn not in self.done:
            self.done.add(fn)
            self.pending.append(fn)
        post = "post" if helper or self.post == "post" else "None"
        if args:
            vals = "".join(f", {self.expr(a, env, out, ind, helper)}" for a in args)
            return f"f_{fn}(pre, {post}, W, K{vals})"
        slot = self.slots.setdefault(fn, len(self.slots))
        tmp = self.fresh(fn)
        out.append(f"{ind}{tmp} = K[{slot}]")
        out.append(f"{ind}if {tmp} is _U:")
        out.append(f"{ind}{_IND}{tmp} = K[{slot}] = f_{fn}(pre, {post}, W, K)")
        return tmp


def _literal(code: str) -> bool:
    return (
        code in ("True", "False", "None", "''")
        or code.lstrip("-").isdigit()
        or (len(code) > 1 and code[0] == code[-1] == "'" and code[1:-1].isidentifier())
    )


def _name_of(e: C.Expr) -> str:
    assert isinstance(e, C.Lit) and isinstance(e.value, str)
    return e.value
