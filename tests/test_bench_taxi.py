"""bench/taxi.py: the optimal reference (value iteration on Taxi's own table), the optimality test
of a model's greedy policy (the reference model passes from all 300 starts, broken copies do not),
the pairing of accepted models with their env steps, Q-learning's figure against its own log, and
the summary and plot."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench import taxi
from worldcoder.envs.taxi import taxi_state
from worldcoder.events import Event, Plan, Synthesis, event_to_json

ROOT = Path(__file__).resolve().parents[1]
TAXI_WC = (ROOT / "models" / "taxi.wc").read_text()
PRIOR = ROOT / "models" / "taxi_hint.wc"


@pytest.fixture(scope="module")
def ref() -> taxi.Reference:
    return taxi.reference()


def model_file(tmp: Path, name: str, old: str = "", new: str = "") -> Path:
    """A copy of models/taxi.wc (with `old` replaced by `new`) importing the prior by path."""
    assert old in TAXI_WC
    text = TAXI_WC.replace(old, new).replace('import "taxi_hint.wc"', f'import "{PRIOR}"')
    path = tmp / name
    path.write_text(text)
    return path


def forward_bfs(env: Any, start: int) -> int:
    """Fewest real-env steps (env.step from env.s) from `start` to a delivery."""
    seen, frontier = {start}, deque([(start, 0)])
    while frontier:
        s, depth = frontier.popleft()
        for a in range(6):
            env.s = s
            nxt, reward, done, _, _ = env.step(a)
            if done and reward > 0:
                return depth + 1
            if not done and nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, depth + 1))
    raise AssertionError("no delivery reachable")


def test_reference_matches_forward_search(ref: taxi.Reference) -> None:
    assert len(ref.starts) == 300
    for start in ref.starts[::23]:
        assert ref.optimal[start] == forward_bfs(ref.env, start)
    assert all(ref.optimal[s] is not None for s in ref.starts)


def optimal_plan(ref: taxi.Reference, start: int) -> list[int]:
    plan, s = [], start
    while True:
        for a in range(6):
            nxt, reward, done = taxi._transition(ref.env, s, a)
            if done and reward > 0:
                return [*plan, a]
            if not done and ref.optimal[nxt] == (ref.optimal[s] or 0) - 1:
                plan.append(a)
                s = nxt
                break


def test_run_actions_in_the_real_env(ref: taxi.Reference) -> None:
    start = ref.starts[7]
    plan = optimal_plan(ref, start)
    assert taxi.run_actions(ref.env, start, plan) == ref.optimal[start] == len(plan)
    assert taxi.run_actions(ref.env, start, plan[:-1]) is None  # never delivers
    assert taxi.run_actions(ref.env, start, [*plan, 0]) is None  # delivers before the last action


DONE_OLD, DONE_NEW = "done := delivers()", "done := delivers() and agent.x > 0"
"""One rule changed: a delivery at column 0 (landmarks R and Y) no longer ends the episode."""


def column0_destination(ref: taxi.Reference, start: int) -> bool:
    return bool(taxi_state(ref.env, start)["objects"][1]["x"] == 0)


def run_dir(tmp: Path, models: list[tuple[str, str]], steps: list[int]) -> Path:
    """A fake learning run: models (old, new text) and their consistent synthesis events, with
    an inconsistent synthesis and a plan in between."""
    run = tmp / "run"
    (run / "models").mkdir(parents=True)
    for i, (old, new) in enumerate(models):
        model_file(run / "models", f"{i:03d}.wc", old, new)

    def synthesis(env_steps: int, consistent: bool) -> Synthesis:
        return Synthesis(env_steps, consistent, True, 0, 1.0, 10, None, None, None, 0, None)

    events: list[Event] = [synthesis(1, False), Plan(1, None)]
    events += [synthesis(s, True) for s in steps]
    (run / "events.jsonl").write_text("".join(json.dumps(event_to_json(e)) + "\n" for e in events))
    return run


def test_first_optimal_model_and_its_step(tmp_path: Path, ref: taxi.Reference) -> None:
    run = run_dir(tmp_path, [(DONE_OLD, DONE_NEW), ("", "")], [100, 250])
    out = taxi.evaluate_models(run, deadline=float("inf"))
    first_fail = next(i for i, s in enumerate(ref.starts) if column0_destination(ref, s))
    assert [m["starts_passed"] for m in out["model_log"]] == [first_fail, 300]
    assert out["status"] == "optimal" and out["steps_to_optimal"] == 250


def test_statuses_and_pairing(tmp_path: Path) -> None:
    run = run_dir(tmp_path, [(DONE_OLD, DONE_NEW)], [100])
    out = taxi.evaluate_models(run, deadline=float("inf"))
    assert out["status"] == "not solved" and out["steps_to_optimal"] is None
    assert taxi.evaluate_models(run, deadline=float("inf"), finished=False)["status"] == "cut"
    assert taxi.evaluate_models(run, deadline=0.0)["status"] == "cut"
    (run / "models" / "001.wc").write_text("")  # saved, then killed before its event
    assert taxi.accepted_models(run, finished=False) == [(run / "models" / "000.wc", 100)]
    with pytest.raises(RuntimeError, match="2 model files but 1"):
        taxi.accepted_models(run)


def test_broken_models_are_not_optimal(tmp_path: Path, ref: taxi.Reference) -> None:
    done = model_file(tmp_path, "done.wc", DONE_OLD, DONE_NEW)
    # the broken model is optimal exactly from the starts whose destination is not in column 0
    assert sum(column0_destination(ref, s) for s in ref.starts) == 150
    assert taxi.model_optimal_starts(ref, done) == 150
    # one rule changed: the taxi moves east and west through the interior walls
    old = "agent.x := if can_move(action)"
    new = "agent.x := if (action == east or action == west) and next_x() >= 0 and next_x() < 5"
    walls = model_file(tmp_path, "walls.wc", old, new)
    assert 0 < taxi.model_optimal_starts(ref, walls) < 300


def test_greedy_evaluation_of_q_tables(ref: taxi.Reference) -> None:
    q = np.full((500, 6), -100.0)
    for s in range(500):
        for a in range(6):
            nxt, reward, done = taxi._transition(ref.env, s, a)
            after = ref.optimal[nxt]
            q[s, a] = 20 if done and reward > 0 else -1 - (100 if after is None else after)
    assert taxi.greedy_optimal_starts(ref, q) == 300
    assert taxi.greedy_optimal_starts(ref, np.zeros((500, 6))) == 0  # always south


def test_qlearning_figure_matches_its_log() -> None:
    params = {"seed": 0, "budget": 300_000, "eval_every": 2_000, "cap_seconds": 120,
              "epsilon": taxi.EPSILON}  # fmt: skip
    out = taxi.run_qlearning(params)
    log = out["eval_log"]
    assert [step for step, _ in log] == list(range(2_000, out["steps_run"] + 1, 2_000))
    assert out["status"] == "optimal", "tabular Q-learning learns Taxi in 300k steps"
    assert log[-1] == [out["steps_to_optimal"], 300]
    assert all(passed < 300 for _, passed in log[:-1])
    short = taxi.run_qlearning(params | {"budget": 10_000})
    assert short["status"] == "not solved" and short["steps_to_optimal"] is None
    assert len(short["eval_log"]) == 5


def test_summarize_medians_and_plot(tmp_path: Path) -> None:
    def row(method: str, seed: int, result: dict[str, Any], eps: float = 0.2) -> dict[str, Any]:
        params = {"method": method, "seed": seed, "epsilon": eps}
        return {"key": f"{method}{eps}/seed{seed}", "params": params, "result": result,
                "seconds": 1.0}  # fmt: skip

    rows = [row("ours", 2, {"steps_to_optimal": 400}), row("ours", 0, {"steps_to_optimal": 300}),
            row("ours", 1, {"steps_to_optimal": 500}),
            row("qlearning", 0, {"steps_to_optimal": 1000}),
            row("qlearning", 1, {"steps_to_optimal": None, "status": "cut"}),
            row("qlearning", 2, {"error": "boom"}),
            row("qlearning", 0, {"steps_to_optimal": 3000}, eps=0.1)]  # fmt: skip
    summary = taxi.summarize(rows, tmp_path, quick=True)
    assert summary["groups"] == ["ours", "qlearning", "qlearning_epsilon_0.1"]
    assert summary["ours"]["steps_to_optimal_by_seed"] == {0: 300, 1: 500, 2: 400}
    assert summary["ours"]["median_steps_to_optimal"] == 400
    q = summary["qlearning"]
    assert q["median_steps_to_optimal"] == "not solved" and q["median_over_solved_seeds"] == 1000
    assert q["steps_to_optimal_by_seed"] == {0: 1000, 1: "cut", 2: "error"}
    assert q["solved"] == 1 and q["errors"] == {"qlearning0.2/seed2": "boom"}
    assert summary["qlearning_epsilon_0.1"]["median_steps_to_optimal"] == 3000
    assert summary["published_not_measured_here"]["figures"]["DOORMAX"] == 529
    assert (tmp_path / "taxi-quick.png").stat().st_size > 0
    json.dumps(summary)


def test_jobs_are_unique_and_cover_both_methods() -> None:
    for quick in (True, False):
        jobs = taxi.jobs(quick)
        assert len({j.key for j in jobs}) == len(jobs)
        assert {taxi.group(j.params) for j in jobs} >= {"ours", "qlearning"}
        assert len({j.params["seed"] for j in jobs}) == (1 if quick else 5)
        json.dumps([j.params for j in jobs])


def test_a_failing_learn_run_is_an_error() -> None:
    params = {"method": "ours", "seed": 0, "episodes": 0, "cap_seconds": 60, "eval_cap_seconds": 1}
    with pytest.raises(RuntimeError, match="worldcoder learn exited 2"):
        taxi.run_job(params)


@pytest.mark.slow
def test_quick_ours_job_reaches_an_optimal_model() -> None:
    """The whole quick job (a learning run of about a minute); its parts are covered above."""
    (job,) = [j for j in taxi.jobs(True) if j.params["method"] == "ours"]
    out = taxi.run_job(job.params)
    assert out["status"] == "optimal" and out["finished"]
    last = out["model_log"][-1]
    assert last["env_steps"] == out["steps_to_optimal"] and last["starts_passed"] == 300
    assert last["model"] == f"{len(out['model_log']) - 1:03d}.wc"
    assert out["steps_to_optimal"] <= out["total_env_steps"]
