"""The offline proposer: learn a whole model field by field from data, then make it optimistic.

Each agent field, each object field, reward and done is its own problem over the examples of its
kind (transitions, or (transition, object) pairs); one `Bank` per kind is shared by its fields.
Learning starts on a sample and grows it with the transitions the learned model still gets
wrong (counter-example guided), until the model reproduces every transition or the budget ends.
Optimism: if the mission is not reachable in the learned model, guards that are false on every
unrewarded transition are tried as reward (mission-named enum values first, then smaller), and
the first under which a plan exists within the horizon is kept.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from dsl import core as C
from dsl.check import check_modules
from dsl.compile import ExprCompiler, compile_program
from dsl.values import Transition
from solver.bfs import bfs_plan
from synth.enumerate import Bank, Cand, Example, Examples, bits, solve_field
from synth.render import render
from synth.score import Score, prior_modules, score
from synth.spec import Cost, Result, Spec

SAMPLE = 300
OBJECT_SAMPLE = 600
ROUNDS = 5


@dataclass
class Learned:
    agent: dict[str, C.Expr] = field(default_factory=dict)
    objects: dict[str, C.Expr] = field(default_factory=dict)
    reward: C.Expr = field(default_factory=lambda: C.Lit(0, C.INT))
    done: C.Expr = field(default_factory=lambda: C.Lit(False, C.BOOL))

    def body(self) -> str:
        lines = ["transition {"]
        lines += [f"  agent.{name} := {render(e)}" for name, e in self.agent.items()]
        if self.objects:
            lines.append("  for o in objects {")
            lines += [f"    o.{name} := {render(e)}" for name, e in self.objects.items()]
            lines.append("  }")
        lines.append("}")
        lines.append(f"reward := {render(self.reward)}")
        lines.append(f"done := {render(self.done)}")
        return "\n".join(lines) + "\n"


def synthesize_enum(spec: Spec, cost: Cost, rng: random.Random | None = None) -> Result:
    started = time.perf_counter()
    rng = rng or random.Random(0)
    prior = prior_modules(spec)
    program = check_modules(prior)
    words = {w for _, t in spec.data for w in t.mission.words}
    if spec.optimism:
        words |= {w for _, m in spec.optimism.starts for w in m.words}
    data = [t for _, t in spec.data]
    sample = set(rng.sample(range(len(data)), min(SAMPLE, len(data))))
    focus: set[int] = set()
    learned = Learned()
    result_score: Score | None = None
    lines = {line: i for i, (line, _) in enumerate(spec.data)}
    for _ in range(ROUNDS):
        chosen = sorted(sample | focus)
        index = {i: k for k, i in enumerate(chosen)}
        learned = learn(
            program, [data[i] for i in chosen], words, rng, cost, {index[i] for i in focus}
        )
        result_score = score(spec, learned.body(), prior, with_optimism=False)
        if result_score.program is None or not result_score.failing:
            break
        failing = [lines[f] for f in result_score.failing]
        focus |= set(rng.sample(failing, min(30, len(failing))))
        if time.perf_counter() - started > spec.budget.seconds:
            break
    assert result_score is not None
    optimistic: bool | None = None
    if spec.optimism is not None and result_score.program is not None:
        learned, optimistic = make_optimistic(spec, program, learned, data, words, cost)
        result_score = score(spec, learned.body(), prior, with_optimism=False)
    cost.seconds += time.perf_counter() - started
    consistent = result_score.program is not None and not result_score.failing
    return Result(learned.body(), consistent, optimistic, list(result_score.failing), cost, "enum")


# ----------------------------------------------------------------------------- learning


def learn(
    program: C.Program,
    data: list[Transition],
    words: set[str],
    rng: random.Random,
    cost: Cost,
    focus: set[int] | None = None,
) -> Learned:
    """Every field from `data`; all objects of the `focus` transitions join the object examples."""
    compiler = ExprCompiler(program)
    out = Learned()
    schema = program.schema
    reuse: set[C.Expr] = set()
    agent_ex = Examples(
        program, [Example(t.state, t.action, t.mission) for t in data], False, compiler
    )
    bank = Bank(agent_ex, words, with_post=False, max_size=3)
    cost.candidates += bank.tried
    for i, f in enumerate(schema.agent):
        target = [t.next_state.agent[i] for t in data]
        if all(t.state.agent[i] == t.next_state.agent[i] for t in data):
            continue
        sol = _solve(bank, f.type, target, _identity_agent(i, f), words, reuse)
        if sol is not None:
            out.agent[f.name] = sol
    rows = _object_rows(data, rng, focus or set())
    if rows:
        obj_ex = Examples(
            program,
            [
                Example(
                    data[ti].state, data[ti].action, data[ti].mission, obj=data[ti].state.objects[j]
                )
                for ti, j in rows
            ],
            True,
            compiler,
        )
        obank = Bank(obj_ex, words, with_post=False, max_size=3)
        cost.candidates += obank.tried
        for i, f in enumerate(schema.object):
            target = [data[ti].next_state.objects[j][i] for ti, j in rows]
            if all(
                data[ti].state.objects[j][i] == v for (ti, j), v in zip(rows, target, strict=True)
            ):
                continue
            identity = C.GetField(C.Var("o", C.OBJ), f.name, i, f.type)
            sol = _solve(obank, f.type, target, identity, words, reuse)
            if sol is not None:
                out.objects[f.name] = sol
    out_ex = Examples(
        program,
        [Example(t.state, t.action, t.mission, post=t.next_state) for t in data],
        False,
        compiler,
    )
    rbank = Bank(out_ex, words, with_post=True, max_size=3)
    cost.candidates += rbank.tried
    reward = _solve(
        rbank,
        C.INT,
        [int(t.reward) if float(t.reward).is_integer() else t.reward for t in data],
        C.Lit(0, C.INT),
        words,
        set(),
    )
    done = _solve(rbank, C.BOOL, [t.done for t in data], C.Lit(False, C.BOOL), words, set())
    out.reward = reward if reward is not None else out.reward
    out.done = done if done is not None else out.done
    return out


def _identity_agent(i: int, f: C.Field) -> C.Expr:
    return C.GetField(C.AgentOf(C.StateRef("pre")), f.name, i, f.type)


def _solve(
    bank: Bank, t: C.Type, target: list[Any], identity: C.Expr, words: set[str], reuse: set[C.Expr]
) -> C.Expr | None:
    """One field's decision list; guards used by earlier fields are preferred (shared structure)."""
    terms = bank.of(t)
    preds = sorted(bank.of(C.BOOL), key=lambda c: (0 if _grounded(c.expr, words) else 1, c.size))
    sol = solve_field(target, terms, preds, prefer=lambda c: c.expr == identity, reuse=reuse)
    if sol is None:
        return None
    reuse |= sol.guards()
    return sol.expr()


def _object_rows(
    data: list[Transition], rng: random.Random, focus: set[int]
) -> list[tuple[int, int]]:
    """(transition, object) pairs: every changed object, every object of a focus transition,
    plus a sample of unchanged ones."""
    changed = [
        (i, j)
        for i, t in enumerate(data)
        for j, (a, b) in enumerate(zip(t.state.objects, t.next_state.objects, strict=True))
        if a != b
    ]
    unchanged_count = sum(len(t.state.objects) for t in data) - len(changed)
    want = max(0, OBJECT_SAMPLE - len(changed))
    pool = (
        [
            (i, j)
            for i, t in enumerate(data)
            for j, (a, b) in enumerate(zip(t.state.objects, t.next_state.objects, strict=True))
            if a == b
        ]
        if want < unchanged_count
        else []
    )
    extra = (
        rng.sample(pool, want)
        if pool
        else [
            (i, j)
            for i, t in enumerate(data)
            for j in range(len(t.state.objects))
            if (i, j) not in set(changed)
        ]
    )
    focused = {(i, j) for i in focus for j in range(len(data[i].state.objects))}
    return sorted(set(changed) | set(extra) | focused)


# ----------------------------------------------------------------------------- optimism


def make_optimistic(
    spec: Spec,
    program: C.Program,
    learned: Learned,
    data: list[Transition],
    words: set[str],
    cost: Cost,
) -> tuple[Learned, bool]:
    assert spec.optimism is not None
    prior = prior_modules(spec)
    if _reachable(spec, learned, prior, cost):
        return learned, True
    compiler = ExprCompiler(program)
    ex = Examples(
        program,
        [Example(t.state, t.action, t.mission, post=t.next_state) for t in data],
        False,
        compiler,
    )
    bank = Bank(ex, words, with_post=True, max_size=3)
    cost.candidates += bank.tried
    unrewarded = bits(t.reward <= 0 for t in data)
    atoms = sorted(bank.of(C.BOOL), key=lambda c: (0 if _grounded(c.expr, words) else 1, c.size))
    candidates = [[a] for a in atoms if not bits(a.values) & unrewarded]
    candidates += [
        [a, b] for a, b in _pairs(atoms[:60]) if not (bits(a.values) & bits(b.values) & unrewarded)
    ]
    candidates.sort(
        key=lambda g: (0 if any(_grounded(c.expr, words) for c in g) else 1, sum(c.size for c in g))
    )
    for guard in candidates[:40]:
        expr = guard[0].expr
        for g in guard[1:]:
            expr = C.Prim("and", (expr, g.expr), C.BOOL)
        trial = Learned(dict(learned.agent), dict(learned.objects),
                        C.Ite(expr, C.Lit(1, C.INT), learned.reward, C.INT),
                        C.Prim("or", (expr, learned.done), C.BOOL))  # fmt: skip
        if _reachable(spec, trial, prior, cost):
            return trial, True
    return learned, False


def _pairs(atoms: list[Cand]) -> list[tuple[Cand, Cand]]:
    return [(a, b) for i, a in enumerate(atoms) for b in atoms[i + 1 :]]


def _grounded(e: C.Expr, words: set[str]) -> bool:
    """Whether an expression mentions an enum member the mission names (mission grounding)."""
    match e:
        case C.Lit(value, C.EnumT()):
            return str(value) in words
        case C.Prim(_, args) | C.CallE(_, args):
            return any(_grounded(a, words) for a in args)
        case _:
            return False


def _reachable(spec: Spec, learned: Learned, prior: list[Any], cost: Cost) -> bool:
    assert spec.optimism is not None
    from synth.score import check_candidate

    t0 = time.perf_counter()
    try:
        model = compile_program(check_candidate(spec, learned.body(), prior))
    except Exception:
        return False
    ok = all(
        bfs_plan(model, s, m, spec.optimism.horizon, max_nodes=100_000, timeout=5.0).status == "sat"
        for s, m in spec.optimism.starts
    )
    cost.solver_seconds += time.perf_counter() - t0
    return ok
