"""The reference interpreter: the DSL's meaning, written for clarity rather than speed.

A direct walk over the checked program (`dsl.core`), one arm per node kind. `dsl.compile` and
the Z3 encoding in `solver` must agree with it; the differential tests hold them to that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import assert_never

from dsl import core as C
from dsl.errors import RunError
from dsl.values import Mission, Outcome, Record, State

Value = C.Scalar | Record | State


@dataclass(frozen=True, slots=True)
class Context:
    """What every expression may read: the states around the action, the action, the mission."""

    program: C.Program
    pre: State
    post: State | None
    action: str
    mission: Mission


def run_step(program: C.Program, state: State, action: str, mission: Mission) -> Outcome:
    """Predict the next state, reward and done for one action."""
    require_model(program)
    nxt = next_state(program, state, action, mission)
    reward, done = outcome(program, state, action, nxt, mission)
    return Outcome(nxt, reward, done)


def require_model(program: C.Program) -> None:
    """Raise a clear `RunError` unless the program is a runnable model."""
    if program.schema.action is None:
        raise RunError("the program declares no `actions { ... }`; it is not a model")
    if program.reward is None or program.done is None:
        missing = "reward" if program.reward is None else "done"
        raise RunError(f"the program has no `{missing} := ...`; it is not a model")
    if program.holes:
        raise RunError(unfilled_message(program.holes[0]))


def unfilled_message(hole: C.HoleE) -> str:
    return f"{hole.pos}: the hole `??` is unfilled; fill it (worldcoder solve) before running"


def check_action(program: C.Program, action: str) -> None:
    members = program.schema.actions
    if action not in members:
        raise RunError(f"unknown action {action!r}; the model's actions are {', '.join(members)}")


def next_state(program: C.Program, state: State, action: str, mission: Mission) -> State:
    check_action(program, action)
    ctx = Context(program, state, None, action, mission)
    agent = list(state.agent)
    for index, expr in program.agent_updates:
        agent[index] = _scalar(evaluate(expr, ctx, {}))
    objects: list[Record] = []
    for obj in state.objects:
        new = list(obj)
        env = {program.object_var: obj}
        for index, expr in program.object_updates:
            new[index] = _scalar(evaluate(expr, ctx, env))
        objects.append(tuple(new))
    return State(tuple(agent), tuple(objects))


def outcome(
    program: C.Program, state: State, action: str, nxt: State, mission: Mission
) -> tuple[int, bool]:
    assert program.reward is not None and program.done is not None
    ctx = Context(program, state, nxt, action, mission)
    reward = evaluate(program.reward, ctx, {})
    done = evaluate(program.done, ctx, {})
    assert isinstance(reward, int) and isinstance(done, bool)
    return reward, done


def _scalar(v: Value) -> C.Scalar:
    assert isinstance(v, bool | int | str)
    return v


def _state(ctx: Context, e: C.Expr, env: Mapping[str, Value]) -> State:
    s = evaluate(e, ctx, env)
    assert isinstance(s, State)
    return s


def evaluate(e: C.Expr, ctx: Context, env: Mapping[str, Value]) -> Value:
    """The value of a checked expression; `env` maps local names to values."""
    match e:
        case C.Lit(value):
            return value
        case C.Var(name):
            return env[name]
        case C.StateRef(which):
            if which == "pre":
                return ctx.pre
            if ctx.post is None:
                raise RunError("`next` is only available in reward and done")
            return ctx.post
        case C.ActionRef():
            return ctx.action
        case C.AgentOf(state):
            return _state(ctx, state, env).agent
        case C.ObjectsOf(state):
            return _state(ctx, state, env)
        case C.GetField(record, _, index):
            rec = evaluate(record, ctx, env)
            assert isinstance(rec, tuple)
            return rec[index]
        case C.Prim(op, args):
            return _prim(op, args, ctx, env)
        case C.Ite(cond, then, orelse):
            return evaluate(then if evaluate(cond, ctx, env) else orelse, ctx, env)
        case C.LetIn(name, value, body):
            return evaluate(body, ctx, {**env, name: evaluate(value, ctx, env)})
        case C.QuantE(kind, var, coll, body):
            objs = _state(ctx, coll, env).objects
            values = [evaluate(body, ctx, {**env, var: o}) for o in objs]
            return _aggregate(kind, values)
        case C.TheE(var, coll, cond, value, default):
            objs = _state(ctx, coll, env).objects
            hits = [o for o in objs if evaluate(cond, ctx, {**env, var: o})]
            if len(hits) == 1:
                return evaluate(value, ctx, {**env, var: hits[0]})
            return evaluate(default, ctx, env)
        case C.MatchE(subject, arms):
            member = evaluate(subject, ctx, env)
            enum = subject.type
            assert isinstance(enum, C.EnumT) and isinstance(member, str)
            return evaluate(arms[enum.members.index(member)], ctx, env)
        case C.CallE(fn, args):
            f = ctx.program.function(fn)
            bound = {p: evaluate(a, ctx, env) for (p, _), a in zip(f.params, args, strict=True)}
            return evaluate(f.body, ctx, bound)
        case C.MissionWord(index):
            i = evaluate(index, ctx, env)
            words = ctx.mission.words
            return words[i] if isinstance(i, int) and 0 <= i < len(words) else ""
        case C.HasWord(word):
            return evaluate(word, ctx, env) in ctx.mission.words
        case C.Lookup(word, default, enum):
            w = evaluate(word, ctx, env)
            return w if w in enum.members else evaluate(default, ctx, env)
        case C.Find(nth, default, enum):
            k = evaluate(nth, ctx, env)
            named = [w for w in ctx.mission.words if w in enum.members]
            return (
                named[k]
                if isinstance(k, int) and 0 <= k < len(named)
                else evaluate(default, ctx, env)
            )
        case C.HoleE():
            raise RunError(unfilled_message(e))
        case _:
            assert_never(e)


def _aggregate(kind: C.QuantKind, values: list[Value]) -> Value:
    match kind:
        case "any":
            return any(values)
        case "all":
            return all(values)
        case "count":
            return sum(1 for v in values if v)
        case "sum":
            return sum(v for v in values if isinstance(v, int))
        case _:
            assert_never(kind)


def _prim(op: C.PrimOp, args: tuple[C.Expr, ...], ctx: Context, env: Mapping[str, Value]) -> Value:
    if op == "and":
        return bool(evaluate(args[0], ctx, env)) and bool(evaluate(args[1], ctx, env))
    if op == "or":
        return bool(evaluate(args[0], ctx, env)) or bool(evaluate(args[1], ctx, env))
    vals = [evaluate(a, ctx, env) for a in args]
    return apply_prim(op, vals)


def apply_prim(op: C.PrimOp, vals: list[Value]) -> Value:
    """Strict primitive operators on evaluated arguments (shared with the compiler)."""
    match op:
        case "not":
            return not vals[0]
        case "==":
            return vals[0] == vals[1]
        case "!=":
            return vals[0] != vals[1]
        case "and":
            return bool(vals[0]) and bool(vals[1])
        case "or":
            return bool(vals[0]) or bool(vals[1])
        case _:
            pass
    ints = [v for v in vals if isinstance(v, int)]
    match op:
        case "neg":
            return -ints[0]
        case "abs":
            return abs(ints[0])
        case "+":
            return ints[0] + ints[1]
        case "-":
            return ints[0] - ints[1]
        case "*":
            return ints[0] * ints[1]
        case "//":
            return ints[0] // ints[1]
        case "%":
            return ints[0] % ints[1]
        case "<":
            return ints[0] < ints[1]
        case "<=":
            return ints[0] <= ints[1]
        case ">":
            return ints[0] > ints[1]
        case ">=":
            return ints[0] >= ints[1]
        case "min":
            return min(ints[0], ints[1])
        case "max":
            return max(ints[0], ints[1])
        case _:
            raise AssertionError(op)
