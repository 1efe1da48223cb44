"""The evaluation protocol: training env steps until the learner's current policy solves the
held-out episodes, the same measuring stick for every method (`bench.heldout`).

Methods, per env and seed:

- ours: `worldcoder learn` (offline enumerative proposer, BFS planner, default settings) for
  `episodes` episodes (`--streak` = `--episodes`: it never stops early) under a wall cap. Our
  policy changes only when the model does, so each accepted model (``models/NNN.wc`` with the
  env step of its `synthesis` event) is evaluated held out, in order, until one is solved
  (>= 95% of 100 held-out episodes) and one near-optimal (>= 90% of the optimal return). The
  agent never sees the evaluation; it runs after the training run, from its run directory.
- ppo: stable-baselines3 PPO on the egocentric 7x7x3 view (bench/ppo.py), its deterministic
  policy evaluated held out every `EVAL_EVERY` = 1,000 training steps (its first success can
  therefore be read no finer than 1,000 steps, plus the n_envs = 8 copies' lag).
- ppo_full: the same on the fully observed grid (minigrid's `FullyObsWrapper`): our learner sees
  the full object state, so this is the fair baseline.

Kept beside the new columns: steps to the first training success, to 10 successes in a row,
and to the last-100 window's mean return >= 0.8 (the sample-efficiency bench's criterion). The
limit: the oracle's shortest first episode (BFS in the reference model from the start of
training episode 0), the fewest steps any learner could need before its first success; each
method's steps are also reported as a multiple of it. LLM tokens: ours offline uses none; the
WorldCoder paper's MiniGrid curriculum used 388,861 GPT-4 tokens (as re-measured by the
TheoryCoder paper), cited in bench/README.md, not measured here.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.runs import learn_run, streak_end
from bench.sample_efficiency import episode_returns, milestones
from bench.suite import Job

NAME = "protocol"
ENVS = (
    "MiniGrid-Empty-5x5-v0", "MiniGrid-DoorKey-5x5-v0", "MiniGrid-DoorKey-8x8-v0",
    "MiniGrid-Unlock-v0", "MiniGrid-UnlockPickup-v0", "MiniGrid-LavaGapS5-v0",
    "MiniGrid-KeyCorridorS3R1-v0", "MiniGrid-MultiRoom-N2-S4-v0", "MiniGrid-FourRooms-v0",
    "MiniGrid-DoorKey-16x16-v0", "MiniGrid-BlockedUnlockPickup-v0", "MiniGrid-Fetch-6x6-N2-v0",
)  # fmt: skip
QUICK_ENVS = ("MiniGrid-Empty-5x5-v0", "MiniGrid-DoorKey-5x5-v0")
SEEDS = (0, 1, 2, 3, 4)
METHODS = ("ours", "ppo", "ppo_full")
EVAL_EVERY = 1_000
STREAK = 10
OURS_EPISODES = 150
OURS_WALL = 1800.0
PPO_BUDGET = 2_000_000
PPO_WALL = 5400.0


def jobs(quick: bool) -> list[Job]:
    if quick:
        return [_job("ours", env, 0, episodes=30, wall_seconds=600.0) for env in QUICK_ENVS] + [
            _job(m, "MiniGrid-Empty-5x5-v0", 0, budget=30_000, wall_seconds=900.0)
            for m in ("ppo", "ppo_full")
        ]
    out = []
    for env in ENVS:
        for seed in SEEDS:
            out.append(_job("ours", env, seed, episodes=OURS_EPISODES, wall_seconds=OURS_WALL))
            for method in ("ppo", "ppo_full"):
                out.append(_job(method, env, seed, budget=PPO_BUDGET, wall_seconds=PPO_WALL))
    return out


def _job(method: str, env: str, seed: int, **budget: Any) -> Job:
    return Job(NAME, f"{method}/{env}/seed{seed}", {"method": method, "env": env, "seed": seed,
                                                    **budget})  # fmt: skip


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    limit = oracle_first_episode(params["env"], params["seed"])
    if params["method"] == "ours":
        figures = run_ours(params["env"], params["seed"], params["episodes"],
                           params["wall_seconds"])  # fmt: skip
    else:
        figures = run_ppo(params)
    return {"limit_steps": limit, **figures}


def oracle_first_episode(env_id: str, seed: int) -> int | None:
    """The shortest episode from the start of training episode 0: BFS in the reference model."""
    from bench.heldout import max_steps_of
    from dsl.check import check_file
    from dsl.compile import compile_program
    from dsl.values import Mission, state_from_json
    from plan import bfs_plan
    from worldcoder.domains import env_domain
    from worldcoder.envs import make_env

    program = check_file(env_domain(env_id).reference_path)
    env = make_env(env_id)
    state_json, mission = env.reset(seed=seed)
    horizon = max_steps_of(env)
    env.close()
    found = bfs_plan(compile_program(program), state_from_json(program.schema, state_json),
                     Mission.of(mission), horizon, max_nodes=2_000_000, timeout=300.0)  # fmt: skip
    return len(found.plan) if found.status == "sat" else None


def run_ppo(params: dict[str, Any]) -> dict[str, Any]:
    from bench.ppo import PpoRun, train

    run = PpoRun(params["env"], params["seed"], params["budget"], params["wall_seconds"],
                 full_obs=params["method"] == "ppo_full", eval_every=EVAL_EVERY)  # fmt: skip
    outcome = train(run)
    episodes = [(steps, ret) for steps, ret, _ in outcome.episodes]
    return outcome.figures | {"steps_to_streak": streak_end(episodes, STREAK), "llm_tokens": 0}


def run_ours(env: str, seed: int, episodes: int, wall_seconds: float) -> dict[str, Any]:
    """One `worldcoder learn` run in a temporary directory, then each accepted model held out."""
    from worldcoder.events import Synthesis, read_events

    with learn_run(env, seed, episodes, episodes, wall_seconds, "protocol-") as (
        run, seconds, capped
    ):  # fmt: skip
        played = episode_returns(run.records("transitions.jsonl"))
        accepted = [(e.env_steps, str(run.path / e.model)) for e in read_events(run)
                    if isinstance(e, Synthesis) and e.model]  # fmt: skip
        t1 = time.perf_counter()
        evals = evaluate_models(env, accepted, run.config())
        eval_seconds = time.perf_counter() - t1
    marks = milestones(played)
    return {
        "steps_to_first_success": marks.first_success,
        "steps_to_streak": streak_end(played, STREAK),
        "steps_to_near_optimal": marks.near_optimal,
        "steps_to_heldout_solved": next((s for s, e in evals if e["solved"]), None),
        "steps_to_heldout_near_optimal": next((s for s, e in evals if e["near_optimal"]), None),
        "total_env_steps": played[-1][0] if played else 0,
        "episodes": len(played),
        "accepted_models": len(accepted),
        "evaluations": len(evals),
        "evaluation_log": [[s, e["episodes"], e["successes"], e["mean_return"]] for s, e in evals],
        "wall_seconds": round(seconds, 2),
        "eval_seconds": round(eval_seconds, 2),
        "capped": capped,
        "llm_tokens": 0,
    }


def evaluate_models(
    env_id: str, accepted: Sequence[tuple[int, str]], config: dict[str, Any]
) -> list[tuple[int, dict[str, Any]]]:
    """Each accepted model (env step, file) in order, held out, until one was solved and one
    near-optimal; a model with the same text as the last one evaluated is not played again."""
    from bench.heldout import evaluate, model_player, optimal_returns

    optimal = optimal_returns(env_id)
    out: list[tuple[int, dict[str, Any]]] = []
    last_text: str | None = None
    last: dict[str, Any] = {}
    for steps, path in accepted:
        text = Path(path).read_text()
        if text != last_text:
            last_text = text
            last = evaluate(model_player(path, env_id, config), optimal).as_dict()
        out.append((steps, last))
        if any(e["solved"] for _, e in out) and any(e["near_optimal"] for _, e in out):
            break
    return out


# ----------------------------------------------------------------------------- summary

COLUMNS = ("steps_to_heldout_solved", "steps_to_heldout_near_optimal", "steps_to_first_success",
           "steps_to_streak", "steps_to_near_optimal")  # fmt: skip


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        if "error" in row["result"]:
            continue
        key = (row["params"]["env"], row["params"]["method"])
        groups.setdefault(key, []).append(row["result"])
    table = [_group(env, method, results) for (env, method), results in sorted(groups.items())]
    ratios = _ratios(table)
    _plot(table, out_dir / f"{NAME}{'-quick' if quick else ''}.png")
    return {"table": table, "ratios": ratios,
            "cited": {"worldcoder_paper_minigrid_curriculum_llm_tokens": 388_861}}  # fmt: skip


def _group(env: str, method: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    limits = [r["limit_steps"] for r in results if r.get("limit_steps")]
    limit = statistics.median(limits) if limits else None
    out: dict[str, Any] = {"env": env, "method": method, "seeds": len(results),
                           "limit_steps": limit}  # fmt: skip
    for column in COLUMNS:
        values = [r.get(column) for r in results]
        median = _median(values)
        out[column] = median
        out[f"{column}_solved_seeds"] = sum(v is not None for v in values)
        if column.startswith("steps_to_heldout") and limit and median is not None:
            out[f"{column}_x_limit"] = round(median / limit, 1)
    out["llm_tokens"] = 0
    return out


def _median(values: Sequence[float | None]) -> float | None:
    """The median with an unsolved seed as infinitely many steps (None if the median is)."""
    ordered = sorted(float("inf") if v is None else v for v in values)
    if not ordered:
        return None
    m = statistics.median(ordered)
    return None if m == float("inf") else m


def _ratios(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per env: PPO (partial and full view) over ours on held-out solved steps."""
    by = {(r["env"], r["method"]): r for r in table}
    out = []
    for env in sorted({r["env"] for r in table}):
        ours = by.get((env, "ours"), {}).get("steps_to_heldout_solved")
        row: dict[str, Any] = {"env": env}
        for method in ("ppo", "ppo_full"):
            theirs = by.get((env, method), {}).get("steps_to_heldout_solved")
            row[f"{method}_over_ours"] = round(theirs / ours, 1) if ours and theirs else None
        out.append(row)
    return out


def _plot(table: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    envs = sorted({r["env"] for r in table})
    fig, axes = plt.subplots(1, max(1, len(envs)), figsize=(3 * max(1, len(envs)), 3.5),
                             squeeze=False)  # fmt: skip
    for ax, env in zip(axes[0], envs, strict=False):
        rows = {r["method"]: r for r in table if r["env"] == env}
        names = [m for m in METHODS if m in rows]
        values = [rows[m]["steps_to_heldout_solved"] or 0 for m in names]
        ax.bar(names, [v if v else float("nan") for v in values], color="C0")
        limit = next((r["limit_steps"] for r in rows.values() if r["limit_steps"]), None)
        if limit:
            ax.axhline(limit, color="C3", linestyle="--", label="limit")
        ax.set_yscale("log")
        ax.set_title(env.removeprefix("MiniGrid-"), fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("training steps to held-out solved")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
