"""The solver's queries on the reference models and real environment data."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsl.check import check_file
from dsl.compile import compile_program
from dsl.values import Mission, Transition, state_from_json, transition_from_json
from plan import plan_to_goal
from solver import (
    Bounds,
    Limits,
    check_consistency,
    distinguish,
    equivalent,
    invariant,
    optimistic,
    plan,
)
from solver.theory import Theory
from tests.test_resume import ctrl_c_on
from worldcoder.envs import collect, make_env

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"


@pytest.fixture(scope="module")
def minigrid() -> object:
    return check_file(MODELS / "minigrid.wc")


def mutated(tmp_path: Path, old: str, new: str, name: str = "minigrid.wc") -> Path:
    """A copy of models/ with one rule of one file (minigrid.wc by default) changed."""
    for f in MODELS.glob("*.wc"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def dataset(
    program: object, env_id: str, episodes: int, seed: int, max_steps: int = 40
) -> list[tuple[int, Transition]]:
    records = collect(env_id, episodes, seed, max_steps=max_steps)
    return [
        (i + 1, transition_from_json(program.schema, r, f"line {i + 1}"))
        for i, r in enumerate(records)
    ]  # type: ignore[attr-defined]


def start(program: object, env_id: str, seed: int) -> tuple[object, Mission]:
    env = make_env(env_id)
    state, mission = env.reset(seed=seed)
    return state_from_json(program.schema, state), Mission.of(mission)  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- consistency


def test_fast_path_and_solver_agree_on_consistency(minigrid: object, tmp_path: Path) -> None:
    data = dataset(minigrid, "MiniGrid-DoorKey-5x5-v0", 2, 0)
    assert check_consistency(minigrid, data).status == "sat"  # type: ignore[arg-type]
    assert check_consistency(minigrid, data, engine="solver").status == "sat"  # type: ignore[arg-type]
    wrong = check_file(
        mutated(tmp_path, "left => turn_left(agent.dir)", "left => turn_right(agent.dir)")
    )
    model = compile_program(wrong)
    really_failing = {
        line
        for line, t in data
        if model.step(t.state, t.action, t.mission).next_state != t.next_state
    }
    fast = check_consistency(wrong, data)
    slow = check_consistency(wrong, data, engine="solver")
    assert fast.status == slow.status == "unsat"
    assert fast.failing[0] == min(really_failing)
    assert len(slow.failing) == 1 and slow.failing[0] in really_failing
    assert any("agent.dir: model" in d for d in slow.details)


SKETCH_RULE = "left => turn_left(agent.dir)"


def test_sketch_holes_are_filled_from_data(tmp_path: Path) -> None:
    sketch = check_file(mutated(tmp_path, SKETCH_RULE, "left => (agent.dir + ??: int[0..5]) % 4"))
    data = dataset(sketch, "MiniGrid-Empty-5x5-v0", 2, 1)
    result = check_consistency(sketch, data, Limits(timeout=60))
    assert result.status == "sat"
    assert list(result.holes.values()) == ["3"]


def test_unsatisfiable_sketch_names_a_minimal_set_of_lines(tmp_path: Path) -> None:
    sketch = check_file(
        mutated(tmp_path, SKETCH_RULE, "left => ??{agent.dir, (agent.dir + 1) % 4}")
    )
    data = dataset(sketch, "MiniGrid-Empty-5x5-v0", 1, 1)
    result = check_consistency(sketch, data)
    assert result.status == "unsat"
    # One `left` step refutes both choices: the core is exactly one transition, and it is a `left`.
    assert len(result.failing) == 1
    assert dict(data)[result.failing[0]].action == "left"


# ----------------------------------------------------------------------------- planning


@pytest.mark.parametrize(("env_id", "seed"), [("MiniGrid-Empty-5x5-v0", 0), ("MiniGrid-DoorKey-5x5-v0", 0),
                                              ("MiniGrid-DoorKey-5x5-v0", 3), ("MiniGrid-LavaGapS5-v0", 1)])  # fmt: skip
def test_bmc_and_bfs_find_plans_of_the_same_shortest_length(
    minigrid: object, env_id: str, seed: int
) -> None:
    s, mission = start(minigrid, env_id, seed)
    by_bfs = plan_to_goal(minigrid, s, mission, 25, engine="bfs")  # type: ignore[arg-type]
    by_z3 = plan(minigrid, s, mission, 25)  # type: ignore[arg-type]
    assert by_bfs.status == by_z3.status == "sat"
    assert len(by_bfs.plan) == len(by_z3.plan)
    model = compile_program(minigrid)  # type: ignore[arg-type]
    for found in (by_bfs.plan, by_z3.plan):  # both plans really reach the goal in the model
        state = s
        for i, action in enumerate(found):
            out = model.step(state, action, mission)  # type: ignore[arg-type]
            assert out.done == (i == len(found) - 1)
            state = out.next_state
        assert out.reward > 0


def test_plan_is_unsat_below_the_shortest_horizon(minigrid: object) -> None:
    s, mission = start(minigrid, "MiniGrid-DoorKey-5x5-v0", 0)
    shortest = len(plan_to_goal(minigrid, s, mission, 25, engine="bfs").plan)  # type: ignore[arg-type]
    assert plan(minigrid, s, mission, shortest - 1).status == "unsat"  # type: ignore[arg-type]
    assert plan_to_goal(minigrid, s, mission, shortest - 1, engine="bfs").status == "unsat"  # type: ignore[arg-type]


def test_int_and_bitvector_encodings_agree_on_plans(minigrid: object) -> None:
    s, mission = start(minigrid, "MiniGrid-DoorKey-5x5-v0", 1)
    lengths = {len(plan(minigrid, s, mission, 20, theory=Theory(ints=i, enums=e)).plan)  # type: ignore[arg-type]
               for i, e in (("int", "int"), ("bv", "int"), ("bv", "datatype"))}  # fmt: skip
    assert len(lengths) == 1


def test_time_limit_answers_unknown_with_a_reason(minigrid: object) -> None:
    s, mission = start(minigrid, "MiniGrid-DoorKey-8x8-v0", 0)
    result = plan(minigrid, s, mission, 40, Limits(timeout=60, rlimit=2000))  # type: ignore[arg-type]
    assert result.status == "unknown"
    assert result.reason


# ----------------------------------------------------------------------------- optimism


def test_optimistic_synthesis_fills_a_reward_sketch_and_plans(tmp_path: Path) -> None:
    sketch_path = mutated(tmp_path, "def success() -> bool = steps_on(goal) or task_success()",
                          "def success() -> bool = ??{steps_on(lava), steps_on(goal), steps_on(wall), false}")  # fmt: skip
    sketch = check_file(sketch_path)
    # Random data where the agent never reached the goal: every choice but steps_on(goal)
    # must still be ruled out by optimism, not by the data.
    data = [
        (n, t)
        for n, t in dataset(sketch, "MiniGrid-Empty-5x5-v0", 1, 4, max_steps=15)
        if t.reward == 0
    ]
    s, mission = start(sketch, "MiniGrid-Empty-5x5-v0", 0)
    result = optimistic(sketch, data, s, mission, 10)
    assert result.status == "sat"
    assert list(result.holes.values()) == ["steps_on(goal)"]
    assert result.plan == ["forward", "forward", "right", "forward", "forward"]


# ----------------------------------------------------------------------------- two models


def test_equivalence_finds_a_changed_rule_and_proves_identity(
    minigrid: object, tmp_path: Path
) -> None:
    wrong = check_file(
        mutated(tmp_path, "toggles(o) and o.kind == box", "toggles(o) and o.kind == ball")
    )
    found = equivalent(minigrid, wrong, Bounds(5, 5, 2))  # type: ignore[arg-type]
    assert found.status == "counterexample" and found.action == "toggle"
    assert found.state is not None
    assert equivalent(minigrid, minigrid, Bounds(4, 4, 2)).status == "equivalent"  # type: ignore[arg-type]
    assert distinguish(minigrid, wrong, Bounds(5, 5, 2)).status == "sat"  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- invariants

INVARIANTS = MODELS / "minigrid_invariants.wc"


def test_shipped_minigrid_invariant_is_proved() -> None:
    program = check_file(INVARIANTS)
    result = invariant(program, "safe_and_well_formed", Bounds(5, 5, 3, walls=True))
    assert result.status == "proved", result.trace


def test_invariant_fails_for_a_model_where_closed_doors_are_passable(tmp_path: Path) -> None:
    mutated(tmp_path, "door => o.open", "door => true", name="minigrid_hint.wc")
    program = check_file(tmp_path / INVARIANTS.name)
    result = invariant(program, "safe_and_well_formed", Bounds(5, 5, 2, walls=True))
    assert result.status == "counterexample"
    assert result.trace[0]["action"] == "forward"


# ----------------------------------------------------------------------------- SMT-LIB2


def test_smt2_export_is_accepted_by_z3_and_cvc5(minigrid: object, tmp_path: Path) -> None:
    cvc5 = pytest.importorskip("cvc5")
    wrong = check_file(
        mutated(tmp_path, "toggles(o) and o.kind == box", "toggles(o) and o.kind == ball")
    )
    path = tmp_path / "q.smt2"
    assert distinguish(minigrid, wrong, Bounds(5, 5, 1), limits=Limits(smt2=path)).status == "sat"  # type: ignore[arg-type]
    z3_bin = shutil.which("z3")
    if z3_bin:
        out = subprocess.run([z3_bin, str(path)], capture_output=True, text=True, timeout=120)
        assert out.stdout.strip() == "sat"
    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    symbols = cvc5.SymbolManager(tm)
    parser = cvc5.InputParser(solver, symbols)
    parser.setFileInput(cvc5.InputLanguage.SMT_LIB_2_6, str(path))
    answers = []
    while not (cmd := parser.nextCommand()).isNull():
        answers.append(cmd.invoke(solver, symbols).strip())
    assert [a for a in answers if a] == ["sat"]


def test_solve_cli_prints_json(tmp_path: Path) -> None:
    from worldcoder.cli import main

    data = tmp_path / "d.jsonl"
    assert (
        main(
            [
                "collect",
                "--env",
                "MiniGrid-Empty-5x5-v0",
                "--episodes",
                "1",
                "--max-steps",
                "5",
                "--out",
                str(data),
            ]
        )
        == 0
    )
    out = subprocess.run(
        ["worldcoder", "solve", "consistent", str(MODELS / "minigrid.wc"), str(data), "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    answer = json.loads(out.stdout)
    assert (
        out.returncode == 0 and answer["status"] == "sat" and set(answer) == {"status", "seconds"}
    )
    # The same first transition with a reward the model does not give: unsat, located, exit 1.
    first = json.loads(data.read_text().splitlines()[0])
    assert first["reward"] == 0
    data.write_text(json.dumps({**first, "reward": 1}) + "\n")
    out = subprocess.run(
        ["worldcoder", "solve", "consistent", str(MODELS / "minigrid.wc"), str(data), "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    answer = json.loads(out.stdout)
    assert out.returncode == 1 and answer["status"] == "unsat" and answer["failing"] == [1]
    assert answer["details"] == ["line 1: reward: model 0, data 1"]


PIGEONHOLE = """
import sys
import z3
from solver.queries import Limits, check

n = 11  # 12 pigeons, 11 holes: unsat, and minutes of search for Z3
p = [[z3.Bool(f"p{i}_{j}") for j in range(n)] for i in range(n + 1)]
s = z3.Solver()
for row in p:
    s.add(z3.Or(row))
for j in range(n):
    for a in range(n + 1):
        for b in range(a + 1, n + 1):
            s.add(z3.Or(z3.Not(p[a][j]), z3.Not(p[b][j])))
print("checking", flush=True)
try:
    print(check(s, Limits(timeout=120)), flush=True)
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_ctrl_c_during_a_solver_check_is_not_lost(tmp_path: Path) -> None:
    """Z3 catches SIGINT inside a check and answers unknown; `solver.queries.check` raises it
    again as KeyboardInterrupt, so Ctrl-C during a correctness check stops a learning run."""
    script = tmp_path / "pigeonhole.py"
    script.write_text(PIGEONHOLE)
    proc = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_on)  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "checking"
    time.sleep(1.0)  # inside the check by now
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
