"""The offline proposer's speed-ups give what the plain evaluation gives: bitsets, helper calls
memoised across banks, and optimism's guards evaluated atom by atom on shared steps (answers and
exceptions). Real prior, real environment data, real compiled models."""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dsl import core as C
from dsl.check import check_file, check_modules
from dsl.compile import ExprCompiler, compile_program
from dsl.parse import load_modules
from dsl.values import Mission, state_from_json, transition_from_json
from plan.bfs import reachable_steps
from synth import Optimism, Spec, synthesize
from synth.enum_proposer import GuardAtoms, _AtomTable
from synth.enumerate import Bank, Cand, Example, Examples, agreements, bits
from worldcoder.envs import collect, make_env

ROOT = Path(__file__).resolve().parents[1]
PRIOR = ROOT / "models" / "minigrid_hint.wc"
ENV = "MiniGrid-DoorKey-5x5-v0"


def plain_bits(values: list[Any]) -> int:
    """The definition: bit i set where values[i] is true."""
    return sum(1 << i for i, v in enumerate(values) if v)


@pytest.mark.parametrize(
    "values",
    [
        [], [True], [False], [True, False, True, True], [False] * 70 + [True],
        [0, 1, 2, 48, 49, 255, 256, -1],  # truthy ints that are not 1, some that are digits
        ["", "x", None, 0.0, 0.5, (), (1,)],
        [i % 3 == 0 for i in range(1000)],
    ],
)  # fmt: skip
def test_bits_is_the_truth_bitset(values: list[Any]) -> None:
    assert bits(values) == plain_bits(values)
    assert bits(tuple(values)) == plain_bits(values)
    assert bits(v for v in values) == plain_bits(values)


def test_agreements_are_the_equality_bitsets() -> None:
    """`agreements` (byte codes compared by XOR) against `bits(a == b ...)` on random vectors
    of mixed values: 1 and True, 0 and False, strings, floats, tuples, None, NaN."""
    rng = random.Random(1)
    nan = float("nan")
    for _ in range(300):
        n = rng.randint(0, 300)
        pool = [0, 1, 2, True, False, "a", "b", -1, 3.5, (1, 2), None, 256, 48, nan]
        pool = pool[: rng.randint(1, len(pool))]
        target = tuple(rng.choice(pool) for _ in range(n))
        cands = [Cand(C.Lit(0, C.INT), 1, tuple(rng.choice([*pool, 7, "z"]) for _ in range(n)))
                 for _ in range(5)]  # fmt: skip
        want = [plain_bits([a == b for a, b in zip(c.values, target, strict=True)]) for c in cands]
        assert agreements(cands, target) == want
    many = tuple(range(300))  # more distinct target values than a byte codes
    assert agreements([Cand(C.Lit(0, C.INT), 1, many)], many) == [(1 << 300) - 1]


def transitions(n: int) -> list[Any]:
    schema = check_file(PRIOR).schema
    recs = list(collect(ENV, 20, 0, max_steps=100))[:n]
    return [transition_from_json(schema, r, f"line {i + 1}") for i, r in enumerate(recs)]


def test_helper_calls_memoised_across_banks_equal_fresh_evaluation() -> None:
    """Banks with and without `next`, per transition and per object, share one memo; every
    candidate's values equal its evaluation from scratch on an unshared table."""
    program = check_modules(load_modules(PRIOR))
    compiler = ExprCompiler(program)
    data = transitions(60)
    memo: dict[Any, Any] = {}
    words = {w for t in data for w in t.mission.words}
    pre = [Example(t.state, t.action, t.mission) for t in data]
    post = [Example(t.state, t.action, t.mission, post=t.next_state) for t in data]
    objs = [Example(t.state, t.action, t.mission, obj=o) for t in data for o in t.state.objects]
    banks = [
        Bank(Examples(program, pre, False, compiler, memo), words, with_post=False, max_size=3),
        Bank(Examples(program, post, False, compiler, memo), words, with_post=True, max_size=3),
        Bank(Examples(program, objs, True, compiler, memo), words, with_post=False, max_size=3),
    ]
    calls = 0
    for bank in banks:
        fresh = Examples(program, bank.ex.rows, bank.ex.per_object, ExprCompiler(program))
        for cands in bank.by_type.values():
            for c in cands:
                calls += isinstance(c.expr, C.CallE) and bool(c.expr.args)
                assert c.values == fresh.values(c.expr), c.expr
    assert calls > 50  # helpers with arguments were enumerated, through the memo


def field_of(program: C.Program, name: str) -> C.Expr:
    i = next(k for k, f in enumerate(program.schema.agent) if f.name == name)
    return C.GetField(C.AgentOf(C.StateRef("pre")), name, i, C.INT)


def test_guards_by_atoms_answer_and_raise_as_whole_guards() -> None:
    """`_AtomTable.fires` against the whole guard evaluated step by step, on the steps of two
    starts that share one `GuardAtoms` (atoms evaluated on the first start's steps are reused on
    the second's), with an atom that raises on some steps (`1 // (agent.x - 1)`)."""
    program = check_modules(load_modules(ROOT / "models" / "minigrid.wc"))
    model = compile_program(program)
    schema = program.schema
    x, y = field_of(program, "x"), field_of(program, "y")
    one, two = C.Lit(1, C.INT), C.Lit(2, C.INT)
    raises = C.Prim("==", (C.Prim("//", (one, C.Prim("-", (x, one), C.INT)), C.INT), one), C.BOOL)
    at_x1 = C.Prim("==", (x, one), C.BOOL)
    at_y2 = C.Prim("==", (y, two), C.BOOL)
    moved = C.Prim("!=", (C.AgentOf(C.StateRef("pre")), C.AgentOf(C.StateRef("post"))), C.BOOL)
    never = C.Prim("<", (x, C.Lit(-5, C.INT)), C.BOOL)

    def conj(*parts: C.Expr) -> C.Expr:
        out = parts[0]
        for p in parts[1:]:
            out = C.Prim("and", (out, p), C.BOOL)
        return out

    guards = [at_x1, at_y2, moved, never, raises, conj(at_x1, raises), conj(raises, at_x1),
              conj(never, raises), conj(at_y2, raises), conj(at_y2, moved, at_x1),
              conj(moved, never), conj(at_y2, C.Prim("not", (raises,), C.BOOL))]  # fmt: skip
    compiler = ExprCompiler(program)
    atoms = GuardAtoms(compiler)
    outcomes = {"raised": 0, True: 0, False: 0}
    for seed in (0, 1):
        env = make_env(ENV)
        start, text = env.reset(seed=seed)
        env.close()
        mission = Mission.of(text)
        state = state_from_json(schema, start)
        cache: dict[str, Any] = {}
        steps = [
            (s, a, mission, out, cache.copy())
            for s, a, out in reachable_steps(model, state, mission, 12)
        ]
        table = _AtomTable(atoms, steps)
        for guard in guards:
            fired = compiler.compile(guard, ())
            try:
                want: bool | str = any(
                    fired(s, out.next_state, a, m.words, c) for s, a, m, out, c in steps
                )
            except ZeroDivisionError:
                want = "raised"
            try:
                got: bool | str = table.fires(guard)
            except ZeroDivisionError:
                got = "raised"
            assert got == want, (seed, guard)
            outcomes[want] += 1
    assert all(outcomes.values()), outcomes  # each kind of answer was checked


def test_enum_call_restores_the_collector_threshold() -> None:
    data = transitions(10)
    last = data[-1]
    spec = Spec(tuple(enumerate(data, 1)), (PRIOR,),
                Optimism(((last.next_state, last.mission),), 10))  # fmt: skip
    before = gc.get_threshold()
    result = synthesize(spec, "enum")
    assert result.consistent
    assert gc.get_threshold() == before


def test_golden_check_writes_and_checks_hashes(tmp_path: Path) -> None:
    """`bench/synth_golden.py` records a case's hash and then finds the same hash again; a
    changed recorded hash makes `--check` fail."""

    def golden(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, str(ROOT / "bench" / "synth_golden.py"),
                               "--only", "learn-10", *args], env=env, capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip

    out = tmp_path / "golden.json"
    assert golden("--write", str(out)).returncode == 0
    cases = json.loads(out.read_text())["cases"]
    assert list(cases) == ["learn-10"] and len(cases["learn-10"]["sha256"]) == 64
    assert golden("--check", str(out)).returncode == 0
    cases["learn-10"]["sha256"] = "0" * 64
    out.write_text(json.dumps({"cases": cases}))
    failed = golden("--check", str(out))
    assert failed.returncode == 1 and "DIFFERS" in failed.stdout
