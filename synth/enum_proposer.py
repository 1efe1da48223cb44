"""The offline proposer: learn a whole model field by field from data, then make it optimistic.

Each agent field, each object field, reward and done is its own problem over the examples of its
kind (transitions, or (transition, object) pairs); one `Bank` per kind is shared by its fields.
Learning starts on a sample and grows it with the transitions the learned model still gets
wrong (counter-example guided), until the model reproduces every transition or the budget ends.
Optimism (`make_optimistic`): if the mission is not reachable in the learned model, guards that
are false on every unrewarded transition are tried as reward (mission-named enum values first,
then smaller), checked on one sweep of the steps the model predicts; then the same on
completions (rules for fields never seen to change: another field's guard, or the effect of an
action never seen to do anything, with a precondition the learned model can reach), also with
guard atoms swapped for lookalikes that agree on all the data. The completions tried in vain are
returned as alternatives for the agent to tell apart by experiment.
"""

from __future__ import annotations

import gc
import itertools
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dsl import core as C
from dsl.check import check_modules
from dsl.compile import CompiledModel, ExprCompiler, compile_program
from dsl.simplify import children, replace, size
from dsl.values import Mission, Outcome, State, Transition
from plan.bfs import bfs_plan, reachable_steps
from synth.enumerate import OBJ_VAR, Bank, Cand, Example, Examples, Solution, bits, solve_field
from synth.render import render
from synth.score import Score, prior_modules, score
from synth.spec import Cost, Result, Spec

SAMPLE = 300
OBJECT_SAMPLE = 600
ROUNDS = 20


@dataclass
class Learned:
    agent: dict[str, C.Expr] = field(default_factory=dict)
    objects: dict[str, C.Expr] = field(default_factory=dict)
    reward: C.Expr = field(default_factory=lambda: C.Lit(0, C.INT))
    done: C.Expr = field(default_factory=lambda: C.Lit(False, C.BOOL))

    def replaced(self, old: C.Expr, new: C.Expr) -> Learned:
        """This model with `old` replaced by `new` in every rule."""
        return Learned(
            {k: replace(e, old, new) for k, e in self.agent.items()},
            {k: replace(e, old, new) for k, e in self.objects.items()},
            replace(self.reward, old, new),
            replace(self.done, old, new),
        )

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


GC_THRESHOLD = 20_000
"""Allocations between young-generation collections during a call (Python's default is 700: a
call allocates millions of short-lived objects while it holds large tables, and at the default
a DoorKey-16x16 call spent a quarter of its time collecting)."""


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector's first threshold raised to `GC_THRESHOLD` for the block,
    then restored (nothing is kept alive that would not be anyway: only collections are fewer)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def synthesize_enum(spec: Spec, cost: Cost, rng: random.Random | None = None) -> Result:
    with _fewer_collections():
        return _synthesize_enum(spec, cost, rng)


def _synthesize_enum(spec: Spec, cost: Cost, rng: random.Random | None) -> Result:
    started = time.perf_counter()
    rng = rng or random.Random(0)
    prior = prior_modules(spec)
    program = check_modules(prior)
    words = {w for _, t in spec.data for w in t.mission.words}
    if spec.optimism:
        words |= {w for _, m in spec.optimism.starts for w in m.words}
    data = [t for _, t in spec.data]
    sample = set(rng.sample(range(len(data)), min(SAMPLE, len(data))))
    focus: dict[int, set[int]] = {}  # failing transition -> the objects predicted wrongly
    learned = Learned()
    result_score: Score | None = None
    lines = {line: i for i, (line, _) in enumerate(spec.data)}
    memo: dict[Any, dict[Any, Any]] = {}  # helper results per input, shared by every bank
    for _ in range(ROUNDS):
        chosen = sorted(sample | set(focus))
        index = {i: k for k, i in enumerate(chosen)}
        learned = learn(program, [data[i] for i in chosen], words, rng, cost,
                        {index[i]: objs for i, objs in focus.items()}, memo)  # fmt: skip
        result_score = score(spec, learned.body(), prior, with_optimism=False)
        if result_score.program is None or not result_score.failing:
            break
        failing = [lines[f] for f in result_score.failing]
        new = rng.sample(failing, min(30, len(failing)))
        focus.update(_wrong_objects(result_score.program, [(i, data[i]) for i in new]))
        if time.perf_counter() - started > spec.budget.seconds:
            break
    assert result_score is not None
    optimistic: bool | None = None
    alternatives: list[Learned] = []
    if spec.optimism is not None and result_score.program is not None:
        deadline = started + spec.budget.seconds
        if spec.budget.optimism_seconds is not None:
            deadline = min(deadline, time.perf_counter() + spec.budget.optimism_seconds)
        learned, optimistic, alternatives = make_optimistic(
            spec, program, learned, data, words, cost, deadline, memo
        )
        result_score = score(spec, learned.body(), prior, with_optimism=False)
    cost.seconds += time.perf_counter() - started
    consistent = result_score.program is not None and not result_score.failing
    return Result(learned.body(), consistent, optimistic, list(result_score.failing), cost, "enum",
                  [a.body() for a in alternatives])  # fmt: skip


def _wrong_objects(
    program: C.Program, failing: list[tuple[int, Transition]]
) -> dict[int, set[int]]:
    """For each failing transition, the objects whose next value the program gets wrong."""
    model = compile_program(program)
    out: dict[int, set[int]] = {}
    for i, t in failing:
        predicted = model.step(t.state, t.action, t.mission).next_state.objects
        out[i] = {
            j
            for j, (a, b) in enumerate(zip(predicted, t.next_state.objects, strict=True))
            if a != b
        }
    return out


# ----------------------------------------------------------------------------- learning


def learn(
    program: C.Program,
    data: list[Transition],
    words: set[str],
    rng: random.Random,
    cost: Cost,
    focus: dict[int, set[int]] | None = None,
    memo: dict[Any, dict[Any, Any]] | None = None,
) -> Learned:
    """Every field from `data`; the `focus` (transition, object) pairs join the object examples
    (objects a previous model predicted wrongly)."""
    compiler = ExprCompiler(program)
    memo = {} if memo is None else memo
    out = Learned()
    schema = program.schema
    problems: list[Problem] = []
    agent_ex = Examples(
        program, [Example(t.state, t.action, t.mission) for t in data], False, compiler, memo
    )
    bank = Bank(agent_ex, words, with_post=False, max_size=3)
    cost.candidates += bank.tried
    for i, f in _by_changes(schema.agent, [(t.state.agent, t.next_state.agent) for t in data]):
        target = [t.next_state.agent[i] for t in data]
        if any(t.state.agent[i] != t.next_state.agent[i] for t in data):
            problems.append(Problem(out.agent, f, bank, target, _identity_agent(i, f)))
    rows = _object_rows(data, rng, focus or {})
    if rows:
        obank = _object_bank(program, data, rows, words, compiler, cost, memo)
        pairs = [(data[ti].state.objects[j], data[ti].next_state.objects[j]) for ti, j in rows]
        for i, f in _by_changes(schema.object, pairs):
            target = [data[ti].next_state.objects[j][i] for ti, j in rows]
            if any(a[i] != b[i] for a, b in pairs):
                identity = C.GetField(C.Var("o", C.OBJ), f.name, i, f.type)
                problems.append(Problem(out.objects, f, obank, target, identity))
    _solve_all(problems, words)
    out_ex = Examples(
        program,
        [Example(t.state, t.action, t.mission, post=t.next_state) for t in data],
        False,
        compiler,
        memo,
    )
    rewards = {
        int(t.reward) for t in data if float(t.reward).is_integer()
    }  # observed reward values
    rbank = Bank(out_ex, words, with_post=True, max_size=3, constants=sorted(rewards))
    cost.candidates += rbank.tried
    rewards_seen = [int(t.reward) if float(t.reward).is_integer() else t.reward for t in data]
    reward = _solve(rbank, C.INT, rewards_seen, C.Lit(0, C.INT), words, set())
    done = _solve(rbank, C.BOOL, [t.done for t in data], C.Lit(False, C.BOOL), words, set())
    out.reward = reward.expr() if reward is not None else out.reward
    out.done = done.expr() if done is not None else out.done
    return out


@dataclass
class Problem:
    """One field to learn: where its rule goes, its bank of candidates, its target values."""

    into: dict[str, C.Expr]
    fdef: C.Field
    bank: Bank
    target: list[Any]
    identity: C.Expr
    guards: set[C.Expr] = field(default_factory=set)


def _solve_all(problems: list[Problem], words: set[str]) -> None:
    """Solve each field, then solve each again preferring the guards the others chose (so that
    two fields with the same cause share one guard even where the data allow two)."""
    for sweep in range(2):
        for p in problems:
            reuse = set().union(*(q.guards for q in problems if q is not p))
            found = _solve(p.bank, p.fdef.type, p.target, p.identity, words, reuse)
            if found is not None:
                p.into[p.fdef.name], p.guards = found.expr(), found.guards()
            elif sweep == 0:
                p.guards = set()


def _by_changes(
    fields: tuple[C.Field, ...], pairs: list[tuple[tuple[Any, ...], tuple[Any, ...]]]
) -> list[tuple[int, C.Field]]:
    """Fields in the order they are learned: the most often changed first, so that fields seen
    change less reuse the guards of better-supported ones (x moves like y)."""
    counts = [sum(1 for a, b in pairs if a[i] != b[i]) for i in range(len(fields))]
    return sorted(enumerate(fields), key=lambda f: -counts[f[0]])


def _object_bank(
    program: C.Program, data: list[Transition], rows: list[tuple[int, int]], words: set[str],
    compiler: ExprCompiler, cost: Cost, memo: dict[Any, dict[Any, Any]], keep_unseen: bool = False,
) -> Bank:  # fmt: skip
    """The shared bank of a per-object problem over (transition, object) rows (`keep_unseen`:
    see `Bank`)."""
    ex = Examples(program, [Example(data[ti].state, data[ti].action, data[ti].mission, obj=data[ti].state.objects[j])
                            for ti, j in rows], True, compiler, memo)  # fmt: skip
    bank = Bank(ex, words, with_post=False, max_size=3, keep_unseen=keep_unseen)
    cost.candidates += bank.tried
    return bank


def _identity_agent(i: int, f: C.Field) -> C.Expr:
    return C.GetField(C.AgentOf(C.StateRef("pre")), f.name, i, f.type)


def _solve(
    bank: Bank, t: C.Type, target: list[Any], identity: C.Expr, words: set[str], reuse: set[C.Expr]
) -> Solution | None:
    """One field's decision list; guards in `reuse` (other fields' guards) cost nothing."""
    terms = bank.of(t)
    if not isinstance(identity, C.Lit):  # "keep the value" reads as the field, not a lookalike
        same = bank.ex.values(identity)
        terms = [Cand(identity, 1, same) if c.values == same else c for c in terms]
    preds = sorted(bank.of(C.BOOL), key=lambda c: (0 if _grounded(c.expr, words) else 1, c.size))
    return solve_field(target, terms, preds, prefer=lambda c: c.expr == identity, reuse=reuse)


def _object_rows(
    data: list[Transition], rng: random.Random, focus: dict[int, set[int]]
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
    focused = {(i, j) for i, objs in focus.items() for j in objs}
    return sorted(set(changed) | set(extra) | focused)


# ----------------------------------------------------------------------------- optimism


def make_optimistic(
    spec: Spec,
    program: C.Program,
    learned: Learned,
    data: list[Transition],
    words: set[str],
    cost: Cost,
    deadline: float = float("inf"),
    memo: dict[Any, dict[Any, Any]] | None = None,
) -> tuple[Learned, bool, list[Learned]]:
    """Make the goal reachable without contradicting the data: first by a reward guard that no
    unrewarded transition satisfies; then also by rules for fields never seen to change. Gives
    up (not optimistic) at `deadline` (time.perf_counter seconds), returning the completions
    it tried: alternatives the data cannot rule out, where an experiment can tell."""
    assert spec.optimism is not None
    prior = prior_modules(spec)
    if _reachable(spec, learned, prior, cost):
        return learned, True, []
    compiler = ExprCompiler(program)
    memo = {} if memo is None else memo
    order = [w for _, m in spec.optimism.starts for w in m.words]
    rewards = _reward_guards(program, data, words, compiler, cost, memo, order)
    atoms = GuardAtoms(compiler)  # the prior's helpers: those of every model tried
    found = _with_reward(spec, learned, rewards, prior, cost, atoms)
    if found is not None:
        return found, True, []
    if time.perf_counter() > deadline:
        return learned, False, []
    banks = _completion_banks(program, data, words, compiler, cost, memo)
    banks.imagined = _imagined(spec, learned, prior)
    bases = [learned, *_variants(learned, banks.agent)]
    tried: list[Learned] = []
    for trial in _interleave([_completions(program, base, banks) for base in bases]):
        if time.perf_counter() > deadline:
            break
        tried.append(trial)
        found = _with_reward(spec, trial, rewards, prior, cost, atoms)
        if found is not None and not score(spec, found.body(), prior, with_optimism=False).failing:
            return found, True, []
    return learned, False, tried


def _imagined(spec: Spec, learned: Learned, prior: list[Any]) -> list[tuple[State, Mission]]:
    assert spec.optimism is not None
    model = _compiled(spec, learned, prior)
    if model is None:
        return []
    out: dict[State, Mission] = {}
    for start, m in spec.optimism.starts:
        out[start] = m
        for _, _, step in reachable_steps(model, start, m, spec.optimism.horizon, max_nodes=500):
            out.setdefault(step.next_state, m)
    return list(out.items())


def _interleave(lists: list[list[Learned]]) -> list[Learned]:
    """The first of each list, then the second of each, and so on."""
    out: list[Learned] = []
    for k in range(max(map(len, lists), default=0)):
        out += [trials[k] for trials in lists if k < len(trials)]
    return out


def _variants(learned: Learned, bank: Bank, limit: int = 6) -> list[Learned]:
    """The learned model with one agent guard atom swapped for a predicate with the same values
    on the data: `front_empty()` and `not front_blocked()` agree until the agent faces a goal or
    an open door, and only the second lets an optimistic model walk there."""
    kept = {c.expr: c for c in bank.of(C.BOOL)}
    rules = [*learned.agent.values(), *learned.objects.values()]
    uses = {
        a: sum(a in _atoms(e) for e in rules) for e in learned.agent.values() for a in _atoms(e)
    }
    atoms = sorted(uses, key=lambda a: (-uses[a], str(a)))  # the most shared atoms first
    out = [
        learned.replaced(atom, alias)
        for atom in atoms
        if atom in kept
        for alias in bank.aliases_of(kept[atom])
    ]
    return out[:limit]


def _reward_guards(
    program: C.Program, data: list[Transition], words: set[str], compiler: ExprCompiler,
    cost: Cost, memo: dict[Any, dict[Any, Any]], order: list[str],
) -> list[C.Expr]:  # fmt: skip
    """Guards false on every unrewarded transition, the likeliest first: mentioning what the
    mission names (its later words first: missions name their final objective last), small,
    about the next state."""
    ex = Examples(
        program,
        [Example(t.state, t.action, t.mission, post=t.next_state) for t in data],
        False,
        compiler,
        memo,
    )
    bank = Bank(ex, words, with_post=True, max_size=3, keep_unseen=True)
    cost.candidates += bank.tried
    unrewarded = bits(t.reward <= 0 for t in data)
    atoms = sorted(
        bank.of(C.BOOL),
        key=lambda c: (-_grounding(c.expr, order), c.size, not _mentions_next(c.expr)),
    )
    atoms = [a for a in atoms if _reads_input(a.expr, program)]  # not `pickable(Kind.goal)`
    guards = [[a] for a in atoms if not a.bits & unrewarded]
    guards += [[a, b] for a, b in _pairs(atoms[:60]) if not (a.bits & b.bits & unrewarded)]
    guards.sort(
        key=lambda g: (
            -max(_grounding(c.expr, order) for c in g),
            sum(c.size for c in g),
            not any(_mentions_next(c.expr) for c in g),
        )
    )
    return [_conj([c.expr for c in g]) for g in guards[:40]]


def _with_reward(
    spec: Spec, learned: Learned, guards: list[C.Expr], prior: list[Any], cost: Cost,
    atoms: GuardAtoms | None = None,
) -> Learned | None:  # fmt: skip
    """`learned` if it reaches a reward from every optimism start, else `learned` with the first
    of `guards` as its reward (and done) that holds on some step it predicts within the horizon
    of every start; None if there is no such guard. `atoms`: the guards' atoms on the steps
    of models tried before (made with a compiler of the prior's helpers)."""
    assert spec.optimism is not None
    model = _compiled(spec, learned, prior)
    if model is None:
        return None
    t0 = time.perf_counter()
    starts: list[list[tuple[State, str, Mission, Outcome, dict[str, Any]]]] = [
        [(s, a, m, out, {}) for s, a, out in reachable_steps(model, s0, m, spec.optimism.horizon)]
        for s0, m in spec.optimism.starts
    ]  # each step with its own cache of parameterless helpers, shared by the guards
    try:
        if all(any(out.done and out.reward > 0 for *_, out, _ in steps) for steps in starts):
            return learned
        atoms = atoms or GuardAtoms(ExprCompiler(model.program))
        never: set[C.Expr] = set()  # atoms no step satisfies: no conjunction with them will
        tables = [_AtomTable(atoms, steps) for steps in starts]
        for guard in guards:
            parts = _conjuncts(guard)
            if parts & never:
                continue
            if not all(table.fires(guard) for table in tables):
                never |= parts if len(parts) == 1 else set()
            else:
                return Learned(dict(learned.agent), dict(learned.objects),
                               C.Ite(guard, C.Lit(1, C.INT), learned.reward, C.INT),
                               _or(guard, learned.done))  # fmt: skip
        return None
    finally:
        cost.solver_seconds += time.perf_counter() - t0


StepKey = tuple[State, str, tuple[str, ...], State]
"""A predicted step as a guard sees it: state, action, mission words, next state."""


@dataclass
class GuardAtoms:
    """Guard atoms compiled once and their values on predicted steps, shared by the models one
    `make_optimistic` call tries: an atom reads only the prior's helpers (the same in every
    model) and a step, and the models tried predict many of the same steps. Steps are numbered
    (`ids`); an atom's values are bytes by step number: 0 false, 1 true, 2 raised, 3 not yet
    evaluated."""

    compiler: ExprCompiler
    runs: dict[C.Expr, Callable[..., Any]] = field(default_factory=dict)
    steps: dict[StepKey, int] = field(default_factory=dict)
    known: dict[C.Expr, bytearray] = field(default_factory=dict)

    def run(self, e: C.Expr) -> Callable[..., Any]:
        if e not in self.runs:
            self.runs[e] = self.compiler.compile(e, ())
        return self.runs[e]

    def ids(self, keys: list[StepKey]) -> list[int]:
        return [self.steps.setdefault(k, len(self.steps)) for k in keys]

    def values(self, e: C.Expr) -> bytearray:
        out = self.known.setdefault(e, bytearray())
        out.extend(_UNKNOWN * (len(self.steps) - len(out)))
        return out


_UNKNOWN = b"\x03"
_TRUE_DIGITS = bytes.maketrans(bytes(range(4)), b"0100")
_RAISED_DIGITS = bytes.maketrans(bytes(range(4)), b"0010")


class _AtomTable:
    """Whether a conjunction holds on some of a start's predicted steps, from its atoms' values
    on every step (each atom evaluated once per distinct step, however many guards and models
    share it); the same answer, and the same exception, as evaluating the whole guard step by
    step with `and` short-circuiting and `any` stopping at the first step it holds on."""

    def __init__(
        self, atoms: GuardAtoms, steps: list[tuple[State, str, Mission, Outcome, dict[str, Any]]]
    ) -> None:  # fmt: skip
        self.atoms, self.steps = atoms, steps
        self.ids = atoms.ids([(s, a, m.words, out.next_state) for s, a, m, out, _ in steps])
        self.values: dict[C.Expr, tuple[int, int]] = {}  # atom -> (true on, raised on)

    def _atom(self, e: C.Expr) -> tuple[int, int]:
        if e not in self.values:
            known = self.atoms.values(e)
            got = bytes(map(known.__getitem__, self.ids))
            if _UNKNOWN in got:
                run = self.atoms.run(e)
                for i, (s, a, m, out, c) in zip(self.ids, self.steps, strict=True):
                    if known[i] == 3:
                        try:
                            known[i] = 1 if run(s, out.next_state, a, m.words, c) else 0
                        except Exception:
                            known[i] = 2
                got = bytes(map(known.__getitem__, self.ids))
            digits = got[::-1]
            self.values[e] = (
                int(digits.translate(_TRUE_DIGITS) or b"0", 2),
                int(digits.translate(_RAISED_DIGITS) or b"0", 2),
            )
        return self.values[e]

    def fires(self, guard: C.Expr) -> bool:
        reached, raised = (1 << len(self.steps)) - 1, 0
        for atom in _conjunct_list(guard):
            true, err = self._atom(atom)
            raised |= reached & err
            reached &= true
        stop = reached | raised
        if stop & -stop & raised:  # the first step that decides raises: raise as evaluation does
            fired = self.atoms.compiler.compile(guard, ())
            return any(fired(s, out.next_state, a, m.words, c) for s, a, m, out, c in self.steps)
        return bool(reached)


def _conjunct_list(e: C.Expr) -> list[C.Expr]:
    """The conjuncts of `e` in evaluation order."""
    if isinstance(e, C.Prim) and e.op == "and":
        return _conjunct_list(e.args[0]) + _conjunct_list(e.args[1])
    return [e]


def _or(a: C.Expr, b: C.Expr) -> C.Expr:
    return a if b == C.Lit(False, C.BOOL) else C.Prim("or", (a, b), C.BOOL)


def _conj(parts: list[C.Expr]) -> C.Expr:
    out = parts[0]
    for p in parts[1:]:
        out = C.Prim("and", (out, p), C.BOOL)
    return out


def _atoms(e: C.Expr) -> set[C.Expr]:
    """The conjuncts of every guard in a learned expression (structure to reuse)."""
    match e:
        case C.Ite(cond, then, orelse):
            return _conjuncts(cond) | _atoms(then) | _atoms(orelse)
        case _:
            return set()


def _guards(e: C.Expr) -> list[list[C.Expr]]:
    """The guards of a learned decision list, each as its list of conjuncts."""
    match e:
        case C.Ite(cond, _, orelse):
            return [sorted(_conjuncts(cond), key=str), *_guards(orelse)]
        case _:
            return []


def _all_bits(guard: list[tuple[Cand, int]]) -> int:
    out = -1
    for _, b in guard:
        out &= b
    return out


def _conjuncts(e: C.Expr) -> set[C.Expr]:
    if isinstance(e, C.Prim) and e.op == "and":
        return _conjuncts(e.args[0]) | _conjuncts(e.args[1])
    return {e}


@dataclass
class CompletionBanks:
    """What completions are built from: an agent bank over the first transitions, and an object
    bank whose rows include every object of (up to 150) transitions with an action never seen to
    change an object (an effect guessed for that action must keep them as they were)."""

    agent: Bank
    agent_rows: list[Transition]
    objects: Bank | None
    object_rows: list[tuple[int, int]]
    data: list[Transition]
    inert: list[str]
    words: set[str]
    imagined: list[tuple[State, Mission]] = field(default_factory=list)
    """States the learned model reaches from the optimism starts: where a guessed precondition
    never seen in the data must be possible (`achievable`)."""
    achieved: dict[tuple[C.Expr, bool], bool] = field(default_factory=dict)
    prepared: dict[bool, BankAtoms] = field(default_factory=dict)
    """`_bank_atoms` of the agent bank (False) and the object bank (True), once computed."""

    def atoms_of(self, bank: Bank) -> BankAtoms:
        per_object = bank is self.objects
        if per_object not in self.prepared:
            self.prepared[per_object] = _bank_atoms(bank, self.words)
        return self.prepared[per_object]

    def achievable(self, e: C.Expr, per_object: bool) -> bool:
        """Whether `e` holds in some imagined state (of some object in it, if `per_object`)."""
        key = (e, per_object)
        if key not in self.achieved:
            run = self.agent.ex.compiler.compile(e, (OBJ_VAR,) if per_object else ())
            self.achieved[key] = any(
                run(s, None, "", m.words, {}, *obj)
                for s, m in self.imagined
                for obj in ([(o,) for o in s.objects] if per_object else [()])
            )
        return self.achieved[key]


def _completion_banks(
    program: C.Program, data: list[Transition], words: set[str], compiler: ExprCompiler,
    cost: Cost, memo: dict[Any, dict[Any, Any]],
) -> CompletionBanks:  # fmt: skip
    first = data[:400]
    agent_ex = Examples(
        program, [Example(t.state, t.action, t.mission) for t in first], False, compiler, memo
    )
    bank = Bank(agent_ex, words, with_post=False, max_size=3, keep_unseen=True)
    cost.candidates += bank.tried
    inert = _inert_actions(program, data)
    tried = [i for i, t in enumerate(data) if t.action in inert]
    tried = random.Random(0).sample(tried, min(150, len(tried)))
    rows = _object_rows(
        data, random.Random(0), {i: set(range(len(data[i].state.objects))) for i in tried}
    )
    obank = (
        _object_bank(program, data, rows, words, compiler, cost, memo, keep_unseen=True)
        if rows
        else None
    )
    return CompletionBanks(bank, first, obank, rows, data, inert, words)


def _completions(
    program: C.Program, learned: Learned, banks: CompletionBanks, limit: int = 12
) -> list[Learned]:
    """Learned models extended with data-consistent rules for fields never seen to change, the
    most structure-sharing rules first (the agent's x rule mirrors its y rule, and so on)."""
    rules = (*learned.agent.values(), *learned.objects.values())
    reuse = set().union(*(_atoms(e) for e in rules))
    guards = [g for e in rules for g in _guards(e)]
    typed = {str(t): [g for e in rules if str(e.type) == str(t) for g in _guards(e)] for t in
             {f.type for f in program.schema.agent}}  # fmt: skip
    schema = program.schema
    options: dict[tuple[str, str], list[C.Expr]] = {}
    for i, f in enumerate(schema.agent):
        if f.name not in learned.agent:
            keep = [t.state.agent[i] for t in banks.agent_rows]
            copied = _rules(banks.agent, _identity_agent(i, f), keep, reuse, typed[str(f.type)])
            acted = _interaction_rules(banks.agent, _identity_agent(i, f), keep, banks.inert,
                                       banks.words, lambda e: banks.achievable(e, False),
                                       banks.atoms_of(banks.agent))  # fmt: skip
            # x moves like y (a same-typed field's guard), else an unexplained action's effect.
            options[("agent", f.name)] = copied + acted if copied else acted + _rules(
                banks.agent, _identity_agent(i, f), keep, reuse, guards)  # fmt: skip
    if banks.objects is not None:
        for i, f in enumerate(schema.object):
            if f.name not in learned.objects and isinstance(f.type, C.BoolT):  # flags only
                keep = [banks.data[ti].state.objects[j][i] for ti, j in banks.object_rows]
                identity = C.GetField(C.Var(OBJ_VAR, C.OBJ), f.name, i, f.type)
                options[("object", f.name)] = _interaction_rules(
                    banks.objects, identity, keep, banks.inert, banks.words,
                    lambda e: banks.achievable(e, True), banks.atoms_of(banks.objects),
                )  # fmt: skip
    options = {k: v for k, v in options.items() if v}
    trials: list[Learned] = []
    for depth in range(3):
        for key in [None, *options]:
            picks = {k: v[min(depth if k == key else 0, len(v) - 1)] for k, v in options.items()}
            trial = Learned(
                dict(learned.agent), dict(learned.objects), learned.reward, learned.done
            )
            for (where, name), rule in picks.items():
                (trial.agent if where == "agent" else trial.objects)[name] = rule
            if all(trial.body() != t.body() for t in trials):
                trials.append(trial)
    return trials[:limit]


def _rules(
    bank: Bank, identity: C.Expr, keep: list[Any], reuse: set[C.Expr], guards: list[list[C.Expr]]
) -> list[C.Expr]:
    """`if g then term else <keep>` rules that agree with every example (so the field stays
    unchanged wherever the data saw it), g a conjunction of up to 3 atoms, reused atoms first."""
    keep_t, t = tuple(keep), identity.type
    preds = [(p, b) for p in bank.of(C.BOOL) if (b := p.bits)]  # seen true somewhere
    preds.sort(key=lambda pb: (pb[0].expr not in reuse, pb[0].size))
    table = {p.expr: (p, b) for p, b in preds}
    for a in {a for g in guards for a in g if a not in table}:  # an alias optimism swapped in
        c = _evaluated(bank, a)
        if c is not None:
            table[a] = (c, c.bits)
    whole = [[table[a] for a in g] for g in guards if all(a in table for a in g)]
    out: list[tuple[tuple[int, int], C.Expr]] = []
    for term in bank.of(t):
        same = bits(a == b for a, b in zip(term.values, keep_t, strict=True))
        if same == (1 << len(keep)) - 1 or isinstance(term.expr, C.Var):
            continue  # the term never changes anything
        # Another field's whole guard first (x moves when y does), else atoms one by one.
        guard = next(([p for p, _ in g] for g in whole if _all_bits(g) & ~same == 0), None)
        guard = guard or _consistent_guard(preds, same, reuse)
        if guard is None:
            continue
        reused = sum(1 for g in guard if g.expr in reuse)
        size = term.size + sum(g.size for g in guard)
        out.append(((-reused, size), C.Ite(_conj([g.expr for g in guard]), term.expr, identity, t)))
    out.sort(key=lambda kv: kv[0])
    return [e for _, e in out[:4]]


def _evaluated(bank: Bank, e: C.Expr) -> Cand | None:
    """`e` as a candidate on the bank's examples (None if it fails to evaluate on one)."""
    try:
        return Cand(e, size(e), bank.ex.values(e))
    except Exception:
        return None


def _inert_actions(program: C.Program, data: list[Transition]) -> list[str]:
    """Actions never seen to change an object: the first suspects for effects not yet seen
    (toggle before a door was ever opened)."""
    changed = {t.action for t in data if t.state.objects != t.next_state.objects}
    moved = {t.action for t in data if t.state != t.next_state}
    actions = program.schema.actions
    return sorted((a for a in actions if a not in changed), key=lambda a: a in moved)


@dataclass
class BankAtoms:
    """What `_interaction_rules` takes from a bank whatever the field (computed once per bank):
    its predicates with their bitsets, by expression; the atoms that can select the object acted
    on, likeliest first; the precondition atoms with their fixed rank."""

    by_expr: dict[C.Expr, tuple[Cand, int]]
    object_atoms: list[tuple[Cand, int]]
    ranked: list[tuple[Cand, int, Rank]]


def _bank_atoms(bank: Bank, words: set[str]) -> BankAtoms:
    preds = [(p, p.bits) for p in bank.of(C.BOOL)]
    by_expr = {p.expr: (p, b) for p, b in preds}
    if bank.ex.per_object:
        rows = [(r.pre, r.obj) for r in bank.ex.rows]
        object_atoms = [pb for pb in preds if _mentions_obj(pb[0].expr) and pb[0].size <= 2]
        # The object acted on: atoms true of at most one object per transition, and of many
        # different objects over the data (in_front(o), not o.locked), first.
        object_atoms.sort(key=lambda pb: (*_selection(pb[0].values, rows), pb[0].size))
    else:
        true = C.Lit(True, C.BOOL)
        n = len(bank.ex.rows)
        object_atoms = [(Cand(true, 0, (True,) * n), (1 << n) - 1)]
    # Preconditions are about the situation, not the action (that is the guard's first atom).
    program = bank.ex.program  # constants (`pickable(Kind.door)`) are no preconditions either
    ranked = [
        (c, b, _fixed_rank(c, b, words))
        for c, b in preds
        if _reads_input(c.expr, program) and not _reads_action(c.expr)
    ]
    return BankAtoms(by_expr, object_atoms, ranked)


def _interaction_rules(
    bank: Bank, identity: C.Expr, keep: list[Any], actions: list[str], words: set[str],
    achievable: Callable[[C.Expr], bool], prepared: BankAtoms | None = None,
) -> list[C.Expr]:  # fmt: skip
    """`if action == A [and <o-atom>] [and <atoms>] then <new> else <field>` for unexplained
    actions A: the optimistic guess that an action with no known effect changes the object it
    acts on (per-object fields), or the agent (`pickup` sets `carrying` to what is in front).
    `prepared`: `_bank_atoms(bank, words)` if already computed."""
    keep_t = tuple(keep)
    prepared = prepared or _bank_atoms(bank, words)
    by_expr, object_atoms, ranked = prepared.by_expr, prepared.object_atoms, prepared.ranked
    terms = [
        c for c in bank.of(identity.type) if c.values != keep_t and not isinstance(c.expr, C.Var)
    ]
    # An object's field flipped or set to a constant first (toggle flips `open`); the agent's
    # set to what the situation shows (`front_kind()`) first; then other terms.
    terms.sort(
        key=lambda c: (
            identity not in children(c.expr),
            isinstance(c.expr, C.Lit) != bank.ex.per_object,
            c.size,
        )
    )
    kept = [(c, bits(a == b for a, b in zip(c.values, keep_t, strict=True))) for c in terms[:3]]
    action_t = bank.ex.program.schema.action
    assert action_t is not None
    per_action: list[list[C.Expr]] = []
    for action in actions:
        ref, lit = C.ActionRef(action_t), C.Lit(action, action_t)
        act = by_expr.get(C.Prim("==", (ref, lit), C.BOOL)) or by_expr.get(
            C.Prim("==", (lit, ref), C.BOOL)
        )
        if act is None:
            continue
        found: list[C.Expr] = []
        for (atom, abits), (term, same) in itertools.product(object_atoms[:6], kept[:3]):
            extras = _preconditions(ranked, act[1] & abits & ~same, abits & ~same, achievable)
            if extras is not None and len(found) < 2:
                guard = [
                    act[0].expr,
                    *([] if isinstance(atom.expr, C.Lit) else [atom.expr]),
                    *extras,
                ]
                found.append(C.Ite(_conj(guard), term.expr, identity, identity.type))
        per_action.append(found)
    # Each unexplained action gets its turn: the first rule of each, then the second of each.
    return [rules[k] for k in range(2) for rules in per_action if k < len(rules)][:6]


Rank = tuple[bool, bool, bool, bool, int]
"""The part of a precondition atom's rank that does not depend on where it must be false."""


def _preconditions(
    preds: list[tuple[Cand, int, Rank]], wrong: int, possible: int,
    achievable: Callable[[C.Expr], bool], most: int = 2,
) -> list[C.Expr] | None:  # fmt: skip
    """Up to `most` atoms, chosen greedily (fewest `wrong` rows where true, then `_fixed_rank`),
    false together wherever the guessed effect did not happen (`wrong`) yet true together
    somewhere the effect would change something (`possible`, whatever the action): not
    `front_empty()` beside `in_front(o)`, nor `front_empty()` before `carrying := front_kind()`;
    an effect that can never fire is no guess."""
    chosen: list[C.Expr] = []
    while wrong:
        if len(chosen) == most:
            return None
        # Atoms never true in the data are unknowns, not contradictions: usable where the
        # learned model can reach a state that satisfies them (not `carrying == Kind.door`).
        ranked = sorted(preds, key=lambda p: ((wrong & p[1]).bit_count(), p[2]))
        usable = (p for p in ranked if p[1] & possible or (not p[1] and achievable(p[0].expr)))
        best, b, _ = next(usable, (None, 0, None))
        if best is None:
            return None
        if wrong & b == wrong:
            return None  # no progress
        chosen.append(best.expr)
        wrong, possible = wrong & b, possible & b
    return chosen


def _fixed_rank(p: Cand, b: int, words: set[str]) -> Rank:
    """How likely a precondition an extra guard atom for an unseen effect is, besides being false
    where the effect did not happen: about kinds, colours and flags rather than numbers (not
    `fy() == 0`: where on the grid is rarely why), seen true somewhere (a precondition the agent
    is known to meet), about the agent rather than the object (carrying the key the mission
    names), mission-named, small. Computed once per atom, not once per comparison."""
    return (_numeric(p.expr), not b, _mentions_obj(p.expr), not _grounded(p.expr, words), p.size)


def _reads_action(e: C.Expr) -> bool:
    return _contains(e, lambda x: isinstance(x, C.ActionRef))


def _numeric(e: C.Expr) -> bool:
    """Whether `e` compares numbers (positions, directions)."""
    return _contains(
        e,
        lambda x: (
            isinstance(x, C.Prim) and x.op in ("==", "<") and isinstance(x.args[0].type, C.IntT)
        ),
    )


def _contains(e: C.Expr, found: Callable[[C.Expr], bool]) -> bool:
    """Whether `e` or any subexpression satisfies `found` (one walker for the checks below)."""
    return found(e) or any(_contains(c, found) for c in children(e))


def _reads_input(e: C.Expr, program: C.Program) -> bool:
    """Whether `e` depends on the state, action, mission or object at all (a constant such as
    `pickable(Kind.goal)` is no guard)."""

    def reads(x: C.Expr) -> bool:
        match x:
            case C.StateRef() | C.ActionRef() | C.MissionWord() | C.HasWord():
                return True
            case C.Var(name):
                return name == OBJ_VAR
            case C.CallE(fn):
                return _contains(program.function(fn).body, reads_in_body)
            case _:
                return False

    def reads_in_body(x: C.Expr) -> bool:  # a helper's own parameters are not inputs
        return not isinstance(x, C.Var) and reads(x)

    return _contains(e, reads)


def _selection(values: tuple[Any, ...], rows: list[tuple[Any, Any]]) -> tuple[bool, int]:
    """(not at most one object per transition, minus how many distinct objects it selects)."""
    counts: dict[int, int] = {}
    chosen = set()
    for v, (pre, obj) in zip(values, rows, strict=True):
        if v:
            counts[id(pre)] = counts.get(id(pre), 0) + 1
            chosen.add(obj)
    return not (counts and max(counts.values()) == 1), -len(chosen)


def _mentions_next(e: C.Expr) -> bool:
    return _contains(e, lambda x: x == C.StateRef("post"))


def _mentions_obj(e: C.Expr) -> bool:
    return _contains(e, lambda x: x == C.Var(OBJ_VAR, C.OBJ))


def _consistent_guard(
    preds: list[tuple[Cand, int]], same: int, reuse: set[C.Expr]
) -> list[Cand] | None:
    """Up to 3 atoms whose conjunction holds only where the term keeps the value (possibly
    nowhere in the data: that is the optimistic guess), each step removing the most violations."""
    chosen: list[Cand] = []
    current = -1
    for _ in range(3):
        best: tuple[tuple[int, int], Cand, int] | None = None
        for rank, (p, b) in enumerate(preds):
            if p in chosen:
                continue
            nxt = current & b
            violations = (nxt & ~same).bit_count()
            if violations == 0:
                return [*chosen, p]
            if best is None or (violations, rank) < best[0]:
                best = ((violations, rank), p, nxt)
        if best is None:
            return None
        chosen.append(best[1])
        current = best[2]
    return None


def _pairs(atoms: list[Cand]) -> list[tuple[Cand, Cand]]:
    return [(a, b) for i, a in enumerate(atoms) for b in atoms[i + 1 :]]


def _grounding(e: C.Expr, order: list[str]) -> int:
    """1 + the last position in the mission of an enum member `e` mentions; 0 if none."""
    match e:
        case C.Lit(value, C.EnumT()):
            return max((i + 1 for i, w in enumerate(order) if w == str(value)), default=0)
        case C.Prim(_, args) | C.CallE(_, args):
            return max((_grounding(a, order) for a in args), default=0)
        case _:
            return 0


def _grounded(e: C.Expr, words: set[str]) -> bool:
    """Whether an expression mentions an enum member the mission names (mission grounding)."""
    match e:
        case C.Lit(value, C.EnumT()):
            return str(value) in words
        case C.Prim(_, args) | C.CallE(_, args):
            return any(_grounded(a, words) for a in args)
        case _:
            return False


def _compiled(spec: Spec, learned: Learned, prior: list[Any]) -> CompiledModel | None:
    from synth.score import check_candidate

    try:
        return compile_program(check_candidate(spec, learned.body(), prior))
    except Exception:
        return None


def _reachable(spec: Spec, learned: Learned, prior: list[Any], cost: Cost) -> bool:
    assert spec.optimism is not None
    t0 = time.perf_counter()
    model = _compiled(spec, learned, prior)
    ok = model is not None and all(
        bfs_plan(model, s, m, spec.optimism.horizon, max_nodes=100_000, timeout=5.0).status == "sat"
        for s, m in spec.optimism.starts
    )
    cost.solver_seconds += time.perf_counter() - t0
    return ok
