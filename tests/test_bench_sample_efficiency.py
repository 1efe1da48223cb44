"""The sample-efficiency bench: its metrics on hand-built episode lists, the PPO runner's
bookkeeping against Monitor's own episode records, our agent's path on Empty-5x5, the job list
and the summary."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from bench.sample_efficiency import (
    ENVS,
    episode_returns,
    jobs,
    median_steps,
    milestones,
    run_ours,
    summarize,
    synthesis_figures,
)
from worldcoder.events import Correctness, Episode, Synthesis

NEEDS_BENCH = (
    "the PPO baseline needs the bench extra (torch, stable-baselines3): pip install -e '.[bench]'"
)


def _ends(returns: list[float], length: int = 10) -> list[tuple[int, float]]:
    return [(length * (i + 1), r) for i, r in enumerate(returns)]


# ----------------------------------------------------------------------------- metrics


def test_near_optimal_needs_a_full_window() -> None:
    marks = milestones(_ends([0.95] * 99))
    assert marks.first_success == 10
    assert marks.near_optimal is None
    assert milestones(_ends([0.95] * 100)).near_optimal == 1000


def test_near_optimal_is_the_first_window_whose_mean_reaches_the_target() -> None:
    # 0.9 per success: 89 successes in 100 give 80.1 >= 80, 88 give 79.2.
    assert milestones(_ends([0.0] * 11 + [0.9] * 200)).near_optimal == 1000  # 11 zeros in 0..99
    assert milestones(_ends([0.0] * 12 + [0.9] * 200)).near_optimal == 1010  # episode 100
    assert milestones(_ends([0.0] * 12 + [0.9] * 200)).first_success == 130
    assert milestones(_ends([0.8] * 100)).near_optimal == 1000  # exactly the target
    assert milestones(_ends([0.79] * 300)).near_optimal is None
    assert milestones(_ends([0.0] * 300)) == milestones([])


def test_episode_returns_from_transitions() -> None:
    def rec(raw: float, done: bool = False, truncated: bool = False) -> dict[str, Any]:
        return {"raw_reward": raw, "done": done, "truncated": truncated}

    records = [rec(0), rec(0.9, done=True), rec(0), rec(0, truncated=True), rec(0), rec(0.5)]
    # the last two steps belong to an episode cut before it ended
    assert episode_returns(records) == [(2, 0.9), (4, 0.0)]


def test_synthesis_figures_from_events() -> None:
    def synthesis(env_steps: int, seconds: float) -> Synthesis:
        return Synthesis(env_steps, True, True, 0, seconds, 10, None, 1.0, 1.0, 0, None)

    events = [
        synthesis(100, 1.25),
        Correctness(100, "counterexample", 0.5),
        Episode(0, True, 1, 120, 1.0, 1.0),
        synthesis(130, 2.5),
        Correctness(130, "equivalent", 0.5),
        Correctness(190, "equivalent", 0.5),
    ]
    assert synthesis_figures(events) == {
        "synthesis_calls": 2, "synthesis_seconds": 3.75, "steps_to_correct_model": 130,
    }  # fmt: skip
    assert synthesis_figures([])["steps_to_correct_model"] is None


def test_median_over_seeds_counts_unsolved_as_infinite() -> None:
    assert median_steps([300, None, 100]) == 300
    assert median_steps([None, None, 100]) is None
    assert median_steps([100, None]) is None
    assert median_steps([100, 200]) == 150
    assert median_steps([]) is None


# ----------------------------------------------------------------------------- jobs, summary


def test_jobs_are_unique_and_json_able() -> None:
    full, quick = jobs(False), jobs(True)
    assert len(full) == len(ENVS) * 2 * 3
    assert len({j.key for j in full}) == len(full)
    assert {j.params["method"] for j in quick} == {"ours", "ppo"}
    assert all(j.params["wall_seconds"] <= 300 for j in quick)
    json.dumps([j.params for j in full + quick])


def test_summary_table_and_plot(tmp_path: Path) -> None:
    def row(method: str, seed: int, first: int | None, near: int | None) -> dict[str, Any]:
        result = {"steps_to_first_success": first, "steps_to_near_optimal": near, "wall_seconds": 1}
        params = {
            "method": method,
            "env": ENVS[1],
            "seed": seed,
            "budget": 10,
            "episodes": 5,
            "wall_seconds": 9,
        }
        return {"key": f"{method}/{seed}", "params": params, "result": result, "seconds": 1.0}

    rows = [row("ppo", 0, 50, None), row("ppo", 1, 70, 900), row("ppo", 2, None, None)]
    rows += [row("ours", 0, 40, 400), {**row("ours", 1, 0, 0), "result": {"error": "boom"}}]
    summary = summarize(rows, tmp_path, quick=True)
    ppo, ours = (next(t for t in summary["table"] if t["method"] == m) for m in ("ppo", "ours"))
    assert ppo["median_steps_to_first_success"] == 70
    assert ppo["median_steps_to_near_optimal"] is None  # two of three seeds never got there
    assert (ppo["solved_first_success"], ppo["solved_near_optimal"]) == (2, 1)
    assert ours["errors"] == 1 and ours["seeds"] == [0]
    assert (ours["budget"], ppo["budget"]) == ("5 episodes or 9 s", "10 steps or 9 s")
    assert summary["table"][0]["method"] == "ours"
    assert (tmp_path / "sample_efficiency-quick.png").stat().st_size > 0


# ----------------------------------------------------------------------------- the two methods


def _monitor_ends(monitors: list[tuple[list[float], list[int]]], n_envs: int) -> set[Any]:
    """(total steps at the end, return, env) of every episode Monitor recorded: all copies step
    together, so an episode of copy i ends at n_envs x (copy i's steps so far)."""
    out = set()
    for i, (returns, lengths) in enumerate(monitors):
        for ret, end in zip(returns, itertools.accumulate(lengths), strict=True):
            out.add((n_envs * end, round(ret, 6), i))
    return out


def test_ppo_log_matches_monitor_and_respects_the_budget() -> None:
    pytest.importorskip("stable_baselines3", reason=NEEDS_BENCH)
    from bench.ppo import PpoRun, train

    run = PpoRun("MiniGrid-Empty-5x5-v0", seed=3, budget=2500, wall_seconds=120)
    out = train(run)
    figures = out.figures
    assert run.budget <= figures["total_env_steps"] < run.budget + run.n_envs
    assert not figures["capped"]
    logged = {(t, round(r, 6), i) for t, r, i in out.episodes}
    assert len(logged) == len(out.episodes) == figures["episodes"] > 10
    assert logged == _monitor_ends(out.monitors, run.n_envs)
    successes = sorted(t for t, r, _ in out.episodes if r > 0)
    assert figures["steps_to_first_success"] == successes[0]
    marks = milestones([(t, r) for t, r, _ in out.episodes])
    assert (marks.first_success, marks.near_optimal) == (successes[0], None)  # < 100 episodes


def test_ppo_stops_at_near_optimal() -> None:
    pytest.importorskip("stable_baselines3", reason=NEEDS_BENCH)
    from bench.ppo import PpoRun, train

    # target 0 with a window of 10: "near-optimal" at the end of the tenth episode
    run = PpoRun(
        "MiniGrid-Empty-5x5-v0", seed=0, budget=20_000, wall_seconds=120, window=10, target=0.0
    )
    out = train(run)
    tenth = sorted(t for t, _, _ in out.episodes)[9]
    assert out.figures["steps_to_near_optimal"] == tenth == out.figures["total_env_steps"]


def test_ours_learns_empty_5x5() -> None:
    figures = run_ours("MiniGrid-Empty-5x5-v0", 0, episodes=12, wall_seconds=120)
    assert not figures["capped"]
    assert figures["episodes"] == 12
    assert figures["steps_to_first_success"] is not None
    assert figures["steps_to_first_success"] <= 200 < figures["total_env_steps"] + 200
    assert figures["successes"] >= 10
    assert figures["steps_to_near_optimal"] is None  # 12 episodes < the 100-episode window
    assert figures["synthesis_calls"] >= 1 and figures["synthesis_seconds"] > 0


def test_ours_cut_by_the_wall_cap() -> None:
    figures = run_ours("MiniGrid-DoorKey-5x5-v0", 0, episodes=150, wall_seconds=4)
    assert figures["capped"]
    assert figures["wall_seconds"] < 10
    assert figures["episodes"] < 150
