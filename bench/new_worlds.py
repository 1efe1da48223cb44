"""The learner on the worlds issue 20 added: env steps to the first success and to 10 in a row.

For each of the eight envs of issue 20 item 5 (LockedRoom, DistShift1, ObstructedMaze-1Dlhb and
five BabyAI levels) and seeds 0-2 (--quick: GoToObj and DistShift1, seed 0), two methods learn
from scratch:

- ours: `worldcoder learn` offline (enumerative proposer, the default planner), `episodes`
  episodes (`--streak 10`: it stops at 10 successes in a row) with a wall-clock cap, in a
  temporary run directory; figures from its transitions.jsonl and events.jsonl
  (`bench.sample_efficiency.run_ours`'s reading).
- ppo: stable-baselines3 PPO as in `bench.sample_efficiency` (bench/ppo.py), a step budget.

Figures per job: env steps to the first success (first episode with return > 0) and to 10
successes in a row (the end of the tenth consecutive successful episode; for PPO, ten
consecutive finished episodes across its env copies), null when not reached. Job keys are
``METHOD/ENV/seedS``, so `worldcoder-bench --only new_worlds --match 'ours/*'` re-runs our
learner alone (the learner is being rebuilt: rerun and compare).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.runs import learn_run, median_steps, streak_end
from bench.suite import Job

NAME = "new_worlds"
ENVS = (
    "MiniGrid-LockedRoom-v0", "MiniGrid-DistShift1-v0", "MiniGrid-ObstructedMaze-1Dlhb-v0",
    "BabyAI-GoToObj-v0", "BabyAI-PickupLoc-v0", "BabyAI-OpenDoor-v0", "BabyAI-PutNextLocal-v0",
    "BabyAI-UnlockLocal-v0",
)  # fmt: skip
QUICK_ENVS = ("BabyAI-GoToObj-v0", "MiniGrid-DistShift1-v0")
SEEDS = (0, 1, 2)
METHODS = ("ours", "ppo")
STREAK = 10
OURS_EPISODES = 40
OURS_WALL = 240.0
PPO_BUDGET = 1_000_000
PPO_WALL = 3600.0


def jobs(quick: bool) -> list[Job]:
    if quick:
        return [
            job
            for env in QUICK_ENVS
            for job in (
                _job("ours", env, 0, episodes=15, wall_seconds=180.0),
                _job("ppo", env, 0, budget=50_000, wall_seconds=180.0),
            )
        ]
    return [
        _job("ours", env, seed, episodes=OURS_EPISODES, wall_seconds=OURS_WALL)
        if method == "ours"
        else _job("ppo", env, seed, budget=PPO_BUDGET, wall_seconds=PPO_WALL)
        for env in ENVS
        for method in METHODS
        for seed in SEEDS
    ]


def _job(method: str, env: str, seed: int, **budget: Any) -> Job:
    params = {"method": method, "env": env, "seed": seed, **budget}
    return Job(NAME, f"{method}/{env}/seed{seed}", params)


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    if params["method"] == "ours":
        return run_ours(params["env"], params["seed"], params["episodes"], params["wall_seconds"])
    from bench.ppo import PpoRun, train

    outcome = train(PpoRun(params["env"], params["seed"], params["budget"], params["wall_seconds"]))
    episodes = [(steps, ret) for steps, ret, _ in sorted(outcome.episodes)]
    return outcome.figures | {"steps_to_streak": streak_end(episodes, STREAK)}


def run_ours(env: str, seed: int, episodes: int, wall_seconds: float) -> dict[str, Any]:
    """One offline `worldcoder learn` run in a temporary directory, cut at `wall_seconds`."""
    from bench.sample_efficiency import episode_returns, synthesis_figures
    from worldcoder.events import read_events

    with learn_run(env, seed, episodes, STREAK, wall_seconds, "new-worlds-") as (
        run, seconds, capped
    ):  # fmt: skip
        records = run.records("transitions.jsonl")
        events = read_events(run)
    finished = episode_returns(records)
    return {
        "steps_to_first_success": next((end for end, ret in finished if ret > 0), None),
        "steps_to_streak": streak_end(finished, STREAK),
        "total_env_steps": len(records),
        "episodes": len(finished),
        "successes": sum(ret > 0 for _, ret in finished),
        "wall_seconds": round(seconds, 2),
        "capped": capped,
    } | synthesis_figures(events)


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        params = row["params"]
        groups.setdefault((params["env"], params["method"]), []).append(row)
    table = []
    for (env, method), group in groups.items():
        ok = [r for r in group if "error" not in r["result"]]
        first = [r["result"]["steps_to_first_success"] for r in ok]
        streak = [r["result"]["steps_to_streak"] for r in ok]
        table.append({
            "env": env, "method": method, "seeds": sorted(r["params"]["seed"] for r in ok),
            "errors": len(group) - len(ok),
            "median_steps_to_first_success": median_steps(first),
            "median_steps_to_streak": median_steps(streak),
            "first_success": first, "streak": streak,
            "capped": sum(bool(r["result"].get("capped")) for r in ok),
        })  # fmt: skip
    order = {e: i for i, e in enumerate(ENVS)}
    table.sort(key=lambda t: (order.get(t["env"], len(ENVS)), METHODS.index(t["method"])))
    plot = out_dir / (f"{NAME}-quick.png" if quick else f"{NAME}.png")
    _plot(table, plot)
    return {"streak": STREAK, "plot": plot.name, "table": table}


def _plot(table: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    envs = list(dict.fromkeys(t["env"] for t in table))
    values = [float(v) for t in table for f in ("first_success", "streak") for v in t[f] if v]
    top = 2 * max([1.0, *values])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for ax, (field, title) in zip(
        axes, (("first_success", "first success"), ("streak", f"{STREAK} in a row")), strict=True
    ):
        for m, method in enumerate(METHODS):
            for t in (t for t in table if t["method"] == method):
                i = envs.index(t["env"]) - 0.18 + 0.36 * m
                for v in t[field]:
                    y, marker = (v, "o") if v is not None else (top, "x")
                    ax.scatter(i, y, color=f"C{m}", marker=marker, s=20)
        ax.set_title(f"env steps to {title} (x: not reached; C0 ours, C1 PPO)")
        ax.set_yscale("log")
        names = [e.removeprefix("MiniGrid-").removesuffix("-v0") for e in envs]
        ax.set_xticks(range(len(envs)), names, rotation=35, ha="right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
