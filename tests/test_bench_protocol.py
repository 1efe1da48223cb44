"""bench/heldout.py and bench/protocol.py: held-out evaluation of a policy (criteria, early stop,
our model-planning policy on real MiniGrid episodes) and the protocol's figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.heldout import evaluate, heldout_seeds, model_player, optimal_returns
from bench.protocol import evaluate_models, run_ours, summarize
from bench.runs import streak_end
from worldcoder.domains import env_domain

ENV = "MiniGrid-DoorKey-5x5-v0"


def test_seeds_are_disjoint_from_training_seeds() -> None:
    seeds = heldout_seeds()
    assert len(set(seeds)) == 100 and min(seeds) >= 1_000_000 + 1_000


def test_a_perfect_policy_is_solved_and_near_optimal() -> None:
    optimal = [0.9, 0.8, 0.95, 0.7]
    table = dict(zip(heldout_seeds(4), optimal, strict=True))
    done = evaluate(lambda seed: table[seed], optimal)
    assert (done.episodes, done.successes, done.solved, done.near_optimal) == (4, 4, True, True)


def test_slow_successes_are_solved_but_not_near_optimal() -> None:
    optimal = [0.9] * 20
    done = evaluate(lambda seed: 0.5, optimal)
    assert done.solved and not done.near_optimal and done.episodes == 20


def test_a_failing_policy_stops_early() -> None:
    optimal = [0.9] * 100
    played: list[int] = []

    def play(seed: int) -> float:
        played.append(seed)
        return 0.0

    done = evaluate(play, optimal)
    assert not done.solved and not done.near_optimal
    assert len(played) == done.episodes < 20


def test_the_reference_model_plays_every_heldout_episode_optimally() -> None:
    optimal = optimal_returns(ENV, 8)
    assert all(0.9 < r < 1 for r in optimal)
    done = evaluate(model_player(str(env_domain(ENV).reference_path), ENV, {}), optimal)
    assert done.solved and done.near_optimal
    assert done.mean_return == pytest.approx(done.optimal_mean_return)


def test_a_model_that_never_expects_reward_solves_nothing(tmp_path: Path) -> None:
    model = tmp_path / "inert.wc"
    model.write_text("import minigrid_prior\n\ntransition {\n}\nreward := 0\ndone := false\n")
    done = evaluate(model_player(str(model), ENV, {}), optimal_returns(ENV, 8))
    assert done.successes == 0 and done.episodes < 8


def test_models_are_evaluated_in_order_until_both_criteria_hold(tmp_path: Path) -> None:
    inert = tmp_path / "000.wc"
    inert.write_text("import minigrid_prior\n\ntransition {\n}\nreward := 0\ndone := false\n")
    reference = str(env_domain(ENV).reference_path)
    accepted = [(10, str(inert)), (25, reference), (40, reference)]
    evals = evaluate_models(ENV, accepted, {})
    assert [steps for steps, _ in evals] == [10, 25]
    assert not evals[0][1]["solved"] and evals[1][1]["solved"] and evals[1][1]["near_optimal"]


def test_streak_is_the_end_of_the_first_ten_successes_in_a_row() -> None:
    episodes = [(i * 10, 1.0 if i not in (3, 5) else 0.0) for i in range(1, 20)]
    assert streak_end(episodes) == 150
    assert streak_end(episodes[:10]) is None


def test_a_learning_run_is_judged_on_its_accepted_models() -> None:
    result = run_ours("MiniGrid-Empty-5x5-v0", 0, episodes=12, wall_seconds=300.0)
    assert result["accepted_models"] >= 1
    solved = result["steps_to_heldout_solved"]
    assert solved is not None and solved <= result["total_env_steps"]
    assert result["evaluation_log"][-1][2] >= 95


def test_summary_reports_medians_ratios_and_the_limit(tmp_path: Path) -> None:
    def row(method: str, seed: int, solved: int | None) -> dict[str, object]:
        return {"params": {"env": ENV, "method": method, "seed": seed},
                "result": {"limit_steps": 10, "steps_to_heldout_solved": solved}}  # fmt: skip

    rows = [row("ours", 0, 40), row("ours", 1, 60), row("ours", 2, None),
            row("ppo", 0, 40_000), row("ppo", 1, 60_000), row("ppo", 2, 50_000)]  # fmt: skip
    summary = summarize(rows, tmp_path, quick=True)
    ours = next(r for r in summary["table"] if r["method"] == "ours")
    assert (
        ours["steps_to_heldout_solved"] == 60 and ours["steps_to_heldout_solved_solved_seeds"] == 2
    )
    assert ours["steps_to_heldout_solved_x_limit"] == 6.0
    assert summary["ratios"][0]["ppo_over_ours"] == round(50_000 / 60, 1)
    assert (tmp_path / "protocol-quick.png").exists()
