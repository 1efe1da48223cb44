"""Satisfiability queries over the exact encoding: consistency, planning, optimistic synthesis,
distinguishing inputs, bounded equivalence and invariants.

Every query takes `Limits` (a time limit, an optional rlimit for determinism, an optional path
to write the final query as SMT-LIB2) and returns a `Result` whose status is decided by Z3 (or,
for the consistency fast path, by exact evaluation), "unknown" with Z3's
reason when a limit is hit.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import z3

from dsl import core as C
from dsl.compile import CompiledModel, compile_program
from dsl.holes import hole_text
from dsl.interp import require_model
from dsl.simplify import children
from dsl.values import Mission, State, Transition, state_differences, state_to_json
from solver.encode import (
    Ctx,
    Encoder,
    HoleVars,
    SymState,
    as_bool,
    concrete_state,
    fresh_state,
    states_equal,
)
from solver.theory import Sym, Theory


@dataclass(frozen=True)
class Limits:
    timeout: float = 60.0
    rlimit: int | None = None
    smt2: Path | None = None


@dataclass
class Result:
    """One query's answer; fields not relevant to a query stay empty."""

    status: str
    seconds: float = 0.0
    reason: str = ""
    holes: dict[str, str] = field(default_factory=dict)
    failing: list[int] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    state: dict[str, Any] | None = None
    action: str | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "seconds": round(self.seconds, 6)}
        for key in ("reason", "holes", "failing", "details", "plan", "state", "action", "trace"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


# ----------------------------------------------------------------------------- plumbing


def new_solver(theory: Theory, limits: Limits) -> z3.Solver:
    s = z3.Solver(ctx=theory.ctx)
    s.set("timeout", max(1, int(limits.timeout * 1000)))
    if limits.rlimit is not None:
        s.set("rlimit", limits.rlimit)
    return s


def check(
    s: z3.Solver, limits: Limits, assumptions: Sequence[z3.BoolRef] = ()
) -> z3.CheckSatResult:
    """`s.check`, writing the query as SMT-LIB2 first when asked."""
    if limits.smt2 is not None:
        write_smt2(s, assumptions, limits.smt2)
    return checked(s, assumptions)


def checked(s: z3.Solver, assumptions: Sequence[z3.BoolRef] = ()) -> z3.CheckSatResult:
    """`s.check(*assumptions)`, with Ctrl-C raised: Z3 catches SIGINT during a check and answers
    unknown ("interrupted from keyboard"), which would lose the user's interrupt."""
    result = s.check(*assumptions)
    if result == z3.unknown and s.reason_unknown() == "interrupted from keyboard":
        raise KeyboardInterrupt
    return result


def write_smt2(s: z3.Solver, assumptions: Sequence[z3.BoolRef], path: Path) -> None:
    """The solver's assertions plus the assumptions as one standard SMT-LIB2 benchmark."""
    flat = z3.Solver(ctx=s.ctx)
    flat.add(s.assertions())
    flat.add(list(assumptions))
    path.write_text("(set-logic ALL)\n" + flat.to_smt2(), encoding="utf-8")


def unknown(s: z3.Solver, start: float) -> Result:
    return Result("unknown", time.perf_counter() - start, reason=s.reason_unknown())


def hole_answers(program: C.Program, values: dict[int, C.Scalar]) -> dict[str, str]:
    return {str(h.pos): hole_text(h, values[h.id]) for h in program.holes}


def observed_matches(enc: Encoder, t: Transition, nxt: SymState, reward: Sym, done: Sym) -> Sym:
    """The constraint that a prediction equals one observed transition."""
    parts = [states_equal(enc, nxt, SymState.of(t.next_state))]
    if float(t.reward).is_integer():
        parts.append(enc.eq(reward, int(t.reward), C.INT))
    else:
        parts.append(False)
    parts.append(enc.eq(done, t.done, C.BOOL))
    return enc.and_(parts)


def predict_constraint(
    program: C.Program, theory: Theory, holes: HoleVars, t: Transition,
    transition: CompiledModel | None = None,
) -> Sym:  # fmt: skip
    """The constraint that the program (holes symbolic) reproduces one transition. With a
    compiled hole-free `transition`, the next state is computed concretely and only reward and
    done are encoded (the common case of a reward sketch)."""
    enc = Encoder(program, theory, t.mission, holes)
    pre = SymState.of(t.state)
    if transition is not None:
        if transition.next_state(t.state, t.action, t.mission) != t.next_state:
            return False
        nxt = SymState.of(t.next_state)
    else:
        nxt = enc.next_state(pre, t.action)
    reward, done = enc.outcome(pre, t.action, nxt)
    return observed_matches(enc, t, nxt, reward, done)


def hole_free_transition(program: C.Program) -> CompiledModel | None:
    """The compiled transition of a program whose holes are all outside its transition."""
    updates = [e for _, e in (*program.agent_updates, *program.object_updates)]
    reached: set[str] = set()
    stack = list(updates)
    while stack:
        e = stack.pop()
        if isinstance(e, C.HoleE):
            return None
        if isinstance(e, C.CallE) and e.fn not in reached:
            reached.add(e.fn)
            stack.append(program.function(e.fn).body)
        stack.extend(children(e))
    stub = dataclasses.replace(program, reward=C.Lit(0, C.INT), done=C.Lit(False, C.BOOL), holes=())
    return CompiledModel(stub)


# ----------------------------------------------------------------------------- 1. consistency


def check_consistency(
    program: C.Program,
    data: Sequence[tuple[int, Transition]],
    limits: Limits = Limits(),
    *,
    engine: str = "auto",
    theory: Theory | None = None,
) -> Result:
    """Does some filling of the holes reproduce every (line, transition)? Unsat names a minimal
    set of lines that no filling explains together."""
    start = time.perf_counter()
    if engine == "auto" and not program.holes:
        return _consistency_fast(program, data, start)
    th = theory or Theory()
    holes = HoleVars(program, th)
    s = new_solver(th, limits)
    s.add(holes.constraints)
    lits: dict[str, tuple[int, Transition]] = {}
    transition = hole_free_transition(program)
    for line, t in data:
        lit = z3.Bool(f"line{line}", th.ctx)
        lits[str(lit)] = (line, t)
        s.add(z3.Implies(lit, as_bool(th, predict_constraint(program, th, holes, t, transition))))
    assumptions = [z3.Bool(name, th.ctx) for name in lits]
    answer = check(s, limits, assumptions)
    if answer == z3.sat:
        values = holes.values(s.model())
        return Result("sat", time.perf_counter() - start, holes=hole_answers(program, values))
    if answer == z3.unknown:
        return unknown(s, start)
    core = _minimal_core(s, [c for c in s.unsat_core()])
    failing = sorted(lits[str(c)][0] for c in core)
    details = _core_details(program, th, s, holes, core, lits)
    return Result("unsat", time.perf_counter() - start, failing=failing, details=details)


def _consistency_fast(
    program: C.Program, data: Sequence[tuple[int, Transition]], start: float
) -> Result:
    """Hole-free programs: evaluate the compiled model on every transition."""
    model = compile_program(program)
    for line, t in data:
        out = model.step(t.state, t.action, t.mission)
        diffs = out.differences(program.schema, t.next_state, t.reward, t.done, "data")
        if diffs:
            return Result("unsat", time.perf_counter() - start, failing=[line],
                          details=[f"line {line}: {d}" for d in diffs])  # fmt: skip
    return Result("sat", time.perf_counter() - start)


def _minimal_core(s: z3.Solver, core: list[z3.BoolRef]) -> list[z3.BoolRef]:
    """Deletion-based minimisation: drop each assumption whose removal keeps the set unsat."""
    needed = list(core)
    for lit in list(core):
        trial = [c for c in needed if not c.eq(lit)]
        if checked(s, trial) == z3.unsat:
            needed = trial
    return needed


def _core_details(
    program: C.Program, th: Theory, s: z3.Solver, holes: HoleVars,
    core: list[z3.BoolRef], lits: dict[str, tuple[int, Transition]],
) -> list[str]:  # fmt: skip
    """For each line of the core: what a filling that explains the others predicts there."""
    out: list[str] = []
    for lit in core:
        others = [c for c in core if not c.eq(lit)]
        if checked(s, others) != z3.sat:
            continue
        line, t = lits[str(lit)]
        enc = Encoder(program, th, t.mission, holes)
        pre = SymState.of(t.state)
        nxt = enc.next_state(pre, t.action)
        reward, done = enc.outcome(pre, t.action, nxt)
        model = s.model()
        got = concrete_state(th, program, model, nxt)
        for d in state_differences(program.schema, got, t.next_state, "data"):
            out.append(f"line {line}: {d}")
        r = th.value(model, reward, C.INT)
        if float(r) != t.reward:
            out.append(f"line {line}: reward: model {r}, data {t.reward:g}")
        if th.value(model, done, C.BOOL) != t.done:
            out.append(f"line {line}: done: model {not t.done}, data {t.done}".lower())
    return out


# ----------------------------------------------------------------------------- 2-3. planning


@dataclass
class Unrolling:
    """A bounded unrolling of a model from a concrete start, with one action variable per step."""

    enc: Encoder
    solver: z3.Solver
    states: list[SymState]
    actions: list[z3.ExprRef] = field(default_factory=list)

    def step(self) -> tuple[Sym, Sym]:
        th, enc = self.enc.th, self.enc
        action_t = enc.action_t
        h = len(self.actions)
        a = th.var(f"a{h}", action_t)
        self.solver.add(th.domain(a, action_t))
        self.actions.append(a)
        pre = self.states[-1]
        nxt = self.name(enc.next_state(pre, a), f"s{h + 1}")
        reward, done = enc.outcome(pre, a, nxt)
        self.states.append(nxt)
        return reward, done

    def name(self, s: SymState, prefix: str) -> SymState:
        """Replace compound terms by fresh variables so terms stay small as the horizon grows."""
        schema = self.enc.program.schema

        def rec(
            values: tuple[Sym, ...], fields: tuple[C.Field, ...], where: str
        ) -> tuple[Sym, ...]:
            out: list[Sym] = []
            for v, f in zip(values, fields, strict=True):
                if isinstance(v, z3.ExprRef) and not z3.is_const(v):
                    var = self.enc.th.var(f"{where}.{f.name}", f.type)
                    self.solver.add(var == v)
                    v = var
                out.append(v)
            return tuple(out)

        agent = rec(s.agent, schema.agent, f"{prefix}.agent")
        objs = tuple(
            rec(o, schema.object, f"{prefix}.objects[{i}]") for i, o in enumerate(s.objects)
        )
        return SymState(agent, objs)

    def plan(self, model: z3.ModelRef) -> list[str]:
        action_t = self.enc.action_t
        return [str(self.enc.th.value(model, a, action_t)) for a in self.actions]


def goal_of(th: Theory, reward: Sym, done: Sym) -> Sym:
    positive: Sym = reward > 0 if isinstance(reward, int) else th.lt(th.int_val(0), reward)
    if positive is False or done is False:
        return False
    if positive is True:
        return done
    return positive if done is True else z3.And(positive, done)


def bmc(
    program: C.Program, start_state: State, mission: Mission, horizon: int, limits: Limits,
    *, theory: Theory | None = None, holes_of: Callable[[Theory], HoleVars] | None = None,
    constraints: Callable[[Theory, HoleVars | None], list[Sym]] | None = None,
) -> tuple[Result, HoleVars | None]:  # fmt: skip
    """Incremental deepening: the shortest horizon at which reward > 0 and done are reachable."""
    started = time.perf_counter()
    th = theory or Theory()
    holes = holes_of(th) if holes_of else None
    s = new_solver(th, limits)
    if holes is not None:
        s.add(holes.constraints)
    for c in constraints(th, holes) if constraints else []:
        s.add(as_bool(th, c))
    unroll = Unrolling(Encoder(program, th, mission, holes), s, [SymState.of(start_state)])
    for h in range(1, horizon + 1):
        reward, done = unroll.step()
        goal = goal_of(th, reward, done)
        if goal is not False:
            lit = z3.Bool(f"goal{h}", th.ctx)
            s.add(z3.Implies(lit, as_bool(th, goal)))
            answer = check(s, limits, [lit])
            if answer == z3.sat:
                model = s.model()
                result = Result("sat", time.perf_counter() - started, plan=unroll.plan(model))
                if holes is not None:
                    result.holes = hole_answers(program, holes.values(model))
                return result, holes
            if answer == z3.unknown:
                return unknown(s, started), holes
        if done is True:
            break
        if done is not False:
            s.add(z3.Not(as_bool(th, done)))
        if time.perf_counter() - started > limits.timeout:
            return Result("unknown", time.perf_counter() - started, reason="timeout"), holes
    if check(s, limits) == z3.unknown:
        return unknown(s, started), holes
    return Result(
        "unsat", time.perf_counter() - started, details=[f"no plan within {horizon} steps"]
    ), holes


def plan(
    program: C.Program, start_state: State, mission: Mission, horizon: int,
    limits: Limits = Limits(), *, theory: Theory | None = None,
) -> Result:  # fmt: skip
    """A shortest action list after which the model's reward is positive with done, or a proof
    (bounded model checking in Z3) that none exists within the horizon."""
    require_model(program)
    return bmc(program, start_state, mission, horizon, limits, theory=theory)[0]


def optimistic(
    program: C.Program, data: Sequence[tuple[int, Transition]], start_state: State,
    mission: Mission, horizon: int, limits: Limits = Limits(), *, theory: Theory | None = None,
) -> Result:  # fmt: skip
    """One query: holes such that every transition is reproduced AND the goal is reachable
    within the horizon under the filled program (the paper's objective)."""

    def consistent(th: Theory, holes: HoleVars | None) -> list[Sym]:
        assert holes is not None
        transition = hole_free_transition(program)
        return [predict_constraint(program, th, holes, t, transition) for _, t in data]

    result, _ = bmc(
        program, start_state, mission, horizon, limits, theory=theory,
        holes_of=lambda th: HoleVars(program, th), constraints=consistent,
    )  # fmt: skip
    return result


# ----------------------------------------------------------------------------- 4-5. two models


@dataclass(frozen=True)
class Bounds:
    """A grid of width x height holding `objects` free objects; with `walls`, the border cells
    also hold wall objects (kind `wall`, fixed x and y, other fields free), as in MiniGrid."""

    width: int = 8
    height: int = 8
    objects: int = 3
    walls: bool = False

    def fields(self) -> dict[str, tuple[int, int]]:
        return {"x": (-1, self.width - 1), "y": (-1, self.height - 1)}

    def border(self) -> list[tuple[int, int]]:
        w, h = self.width, self.height
        return [(x, y) for y in range(h) for x in range(w) if x in (0, w - 1) or y in (0, h - 1)]


def bounded_state(
    program: C.Program, th: Theory, prefix: str, k: int, bounds: Bounds
) -> tuple[SymState, list[z3.BoolRef]]:
    """A symbolic state with k free objects (after the border walls when `bounds.walls`)."""
    border = bounds.border() if bounds.walls else []
    state, domain = fresh_state(program, th, prefix, len(border) + k, bounds.fields())
    if not border:
        return state, domain
    names = [f.name for f in program.schema.object]
    kind_t = next((f.type for f in program.schema.object if f.name == "kind"), None)
    if (
        not {"kind", "x", "y"} <= set(names)
        or not isinstance(kind_t, C.EnumT)
        or "wall" not in kind_t.members
    ):
        raise ValueError("--walls needs object fields kind, x and y, and a kind named `wall`")
    objects = list(state.objects)
    for i, (x, y) in enumerate(border):
        record = list(objects[i])
        record[names.index("kind")], record[names.index("x")], record[names.index("y")] = (
            "wall",
            x,
            y,
        )
        objects[i] = tuple(record)
    return SymState(state.agent, tuple(objects)), domain


def _same_schema(a: C.Program, b: C.Program) -> None:
    sa, sb = a.schema, b.schema
    if (sa.action, sa.agent, sa.object) != (sb.action, sb.agent, sb.object):
        raise ValueError("the two models have different schemas (actions or records differ)")


def distinguish(
    a: C.Program, b: C.Program, bounds: Bounds, mission: Mission | None = None,
    limits: Limits = Limits(), *, theory: Theory | None = None, assume: str | None = None,
) -> Result:  # fmt: skip
    """A state (within bounds, fewest objects first) and action where the models' predictions
    (next state, reward or done) differ, or unsat. `assume` names a parameterless bool helper
    of `a` that the state must satisfy (e.g. only the object kinds an environment has)."""
    require_model(a)
    require_model(b)
    _same_schema(a, b)
    mission = mission or Mission.of("")
    started = time.perf_counter()
    for k in range(bounds.objects + 1):
        th = theory or Theory()
        s = new_solver(th, limits)
        state, domain = bounded_state(a, th, "s", k, bounds)
        s.add(domain)
        assert a.schema.action is not None
        act = th.var("action", a.schema.action)
        s.add(th.domain(act, a.schema.action))
        differ = _differ(a, b, th, mission, state, act)
        if differ is False:
            continue
        s.add(as_bool(th, differ))
        if assume is not None:
            enc = Encoder(a, th, mission)
            s.add(
                as_bool(
                    th, enc.scalar(enc.expr(a.function(assume).body, Ctx(state, None, act), {}))
                )
            )
        answer = check(s, limits)
        if answer == z3.unknown:
            return unknown(s, started)
        if answer == z3.sat:
            model = s.model()
            concrete = concrete_state(th, a, model, state)
            action = str(th.value(model, act, a.schema.action))
            return Result("sat", time.perf_counter() - started,
                          state=state_to_json(a.schema, concrete), action=action)  # fmt: skip
    return Result("unsat", time.perf_counter() - started)


def _differ(
    a: C.Program, b: C.Program, th: Theory, mission: Mission, s: SymState, act: z3.ExprRef
) -> Sym:
    ea, eb = Encoder(a, th, mission), Encoder(b, th, mission)
    na, nb = ea.next_state(s, act), eb.next_state(s, act)
    ra, da = ea.outcome(s, act, na)
    rb, db = eb.outcome(s, act, nb)
    same = ea.and_([states_equal(ea, na, nb), ea.eq(ra, rb, C.INT), ea.eq(da, db, C.BOOL)])
    return ea.not_(same)


def equivalent(
    a: C.Program, b: C.Program, bounds: Bounds, mission: Mission | None = None,
    limits: Limits = Limits(), *, theory: Theory | None = None, assume: str | None = None,
) -> Result:  # fmt: skip
    """Bounded equivalence: the same predictions on every state within bounds, or a counterexample."""
    found = distinguish(a, b, bounds, mission, limits, theory=theory, assume=assume)
    status = {"sat": "counterexample", "unsat": "equivalent"}.get(found.status, found.status)
    found.status = status
    return found


# ----------------------------------------------------------------------------- 6. invariants


def invariant(
    program: C.Program, inv: str, bounds: Bounds, k: int = 1, mission: Mission | None = None,
    limits: Limits = Limits(), *, theory: Theory | None = None, label: str | None = None,
) -> Result:  # fmt: skip
    """k-induction of a boolean helper `inv` (a zero-parameter function of the program): if it
    holds in k consecutive states it holds in the next. A counterexample is a trace s0..sk."""
    require_model(program)
    mission = mission or Mission.of("")
    fn = program.function(inv)
    started = time.perf_counter()
    th = theory or Theory()
    s = new_solver(th, limits)
    start, domain = bounded_state(program, th, "s0", bounds.objects, bounds)
    s.add(domain)
    unroll = Unrolling(Encoder(program, th, mission), s, [start])

    def holds(state: SymState) -> Sym:
        return unroll.enc.scalar(unroll.enc.expr(fn.body, Ctx(state, None, False), {}))

    for _ in range(k):
        s.add(as_bool(th, holds(unroll.states[-1])))
        unroll.step()
    s.add(as_bool(th, unroll.enc.not_(holds(unroll.states[-1]))))
    answer = check(s, limits)
    if answer == z3.unknown:
        return unknown(s, started)
    if answer == z3.unsat:
        return Result("proved", time.perf_counter() - started,
                      details=[f"{label or inv + '()'} is {k}-inductive for {bounds.objects} objects in a "
                               f"{bounds.width}x{bounds.height} grid" + (" with border walls" if bounds.walls else "")])  # fmt: skip
    model = s.model()
    trace: list[dict[str, Any]] = []
    for i, st in enumerate(unroll.states):
        step: dict[str, Any] = {
            "state": state_to_json(program.schema, concrete_state(th, program, model, st))
        }
        if i < len(unroll.actions):
            step["action"] = str(th.value(model, unroll.actions[i], unroll.enc.action_t))
        trace.append(step)
    return Result("counterexample", time.perf_counter() - started, trace=trace)
