"""Sample efficiency against PPO: env steps to the first success and to a near-optimal policy.

For each of nine MiniGrid envs and seeds 0-2 (--quick: Empty-5x5 and LavaGapS5, seed 0, 110
episodes for ours and 50k steps for PPO), two methods learn from scratch:

- ours: `worldcoder learn` (offline enumerative proposer, BFS planner, the default settings) run
  as a subprocess for `episodes` episodes (`--streak` = `--episodes`, so it never stops early)
  with a wall-clock cap, in a temporary run directory. Per-episode returns are read back from its
  transitions.jsonl (an episode's return is the sum of MiniGrid's raw rewards, i.e. the raw reward
  of its final step); its events.jsonl gives synthesis seconds and calls and the step at which an
  accepted model was proved equivalent to the reference model (the figures of report.json, but
  also for a run the cap cut mid-episode).
- ppo: stable-baselines3 PPO, MlpPolicy on the flattened 7x7x3 view, 8 envs, rl-baselines3-zoo
  MiniGrid hyperparameters, a step budget ("not solved" beyond it); see bench/ppo.py.

Both give a list of (env steps at the end of the episode, return) in order. From it: steps to the
first success (first episode with return > 0) and steps to a near-optimal policy (the end of the
first episode at which the mean return of the last `WINDOW` = 100 episodes is >= `TARGET` = 0.8;
null when fewer than 100 episodes were played or the mean never got there: "not solved").

Writes sample_efficiency[-quick].png (per env, the median over seeds of both figures for both
methods on a log scale, with each seed as a point) and a summary table per env x method: medians
over seeds (an unsolved seed counts as infinitely many steps; a median that is infinite is
reported as null, "not solved") and how many seeds solved.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.runs import learn_run, median_steps, near_optimal
from bench.suite import Job

if TYPE_CHECKING:
    from worldcoder.events import Event

NAME = "sample_efficiency"
ENVS = (
    "MiniGrid-Empty-5x5-v0", "MiniGrid-DoorKey-5x5-v0", "MiniGrid-DoorKey-8x8-v0",
    "MiniGrid-Unlock-v0", "MiniGrid-UnlockPickup-v0", "MiniGrid-LavaGapS5-v0",
    "MiniGrid-KeyCorridorS3R1-v0", "MiniGrid-MultiRoom-N2-S4-v0", "MiniGrid-FourRooms-v0",
)  # fmt: skip
QUICK_ENVS = ("MiniGrid-Empty-5x5-v0", "MiniGrid-LavaGapS5-v0")
SEEDS = (0, 1, 2)
METHODS = ("ours", "ppo")
WINDOW = 100
TARGET = 0.8
OURS_EPISODES = 150
OURS_WALL = 1800.0
PPO_BUDGET = 2_000_000
PPO_WALL = 5400.0

Episodes = Sequence[tuple[int, float]]
"""(env steps at the end of the episode, its return), in the order the episodes ended."""


@dataclass(frozen=True)
class Milestones:
    first_success: int | None
    near_optimal: int | None


def milestones(episodes: Episodes, window: int = WINDOW, target: float = TARGET) -> Milestones:
    """Steps to the first episode with return > 0, and to the end of the first episode at which
    the last `window` episodes have a mean return >= `target` (None when never)."""
    first = next((end for end, ret in episodes if ret > 0), None)
    recent: deque[float] = deque(maxlen=window)
    for end, ret in episodes:
        recent.append(ret)
        if near_optimal(recent, window, target):
            return Milestones(first, end)
    return Milestones(first, None)


def episode_returns(records: Sequence[dict[str, Any]]) -> list[tuple[int, float]]:
    """Finished episodes of a run's transitions.jsonl: (steps so far, summed raw reward). A last
    episode cut by the wall-clock cap (neither terminated nor truncated) is left out."""
    out: list[tuple[int, float]] = []
    total = 0.0
    for steps, rec in enumerate(records, start=1):
        total += float(rec["raw_reward"])
        if rec["done"] or rec["truncated"]:
            out.append((steps, round(total, 6)))
            total = 0.0
    return out


# ----------------------------------------------------------------------------- jobs


def jobs(quick: bool) -> list[Job]:
    if quick:
        return [
            job
            for env in QUICK_ENVS
            for job in (
                _job("ours", env, 0, episodes=110, wall_seconds=180.0),
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

    run = PpoRun(params["env"], params["seed"], params["budget"], params["wall_seconds"],
                 window=WINDOW, target=TARGET)  # fmt: skip
    return train(run).figures


def run_ours(env: str, seed: int, episodes: int, wall_seconds: float) -> dict[str, Any]:
    """One `worldcoder learn` run in a temporary directory, cut at `wall_seconds`."""
    from worldcoder.events import read_events

    with learn_run(env, seed, episodes, episodes, wall_seconds, "sample-eff-") as (
        run, seconds, capped
    ):  # fmt: skip
        records = run.records("transitions.jsonl")
        events = read_events(run)
    figures = _ours_figures(episode_returns(records), len(records), seconds, capped)
    return figures | synthesis_figures(events)


def synthesis_figures(events: Sequence[Event]) -> dict[str, Any]:
    """From a run's events (complete even when the cap cut the run, unlike report.json, which is
    written at episode ends): finished synthesis calls and their seconds, and the env steps at
    which an accepted model was first proved equivalent to the reference model."""
    from worldcoder.events import Correctness, Synthesis

    synth = [e for e in events if isinstance(e, Synthesis)]
    proved = (e.env_steps for e in events
              if isinstance(e, Correctness) and e.status == "equivalent")  # fmt: skip
    return {
        "synthesis_calls": len(synth),
        "synthesis_seconds": round(sum(e.seconds for e in synth), 3),
        "steps_to_correct_model": next(proved, None),
    }


def _ours_figures(
    episodes: list[tuple[int, float]], steps: int, seconds: float, capped: bool
) -> dict[str, Any]:
    marks = milestones(episodes)
    recent = [r for _, r in episodes[-WINDOW:]]
    return {
        "steps_to_first_success": marks.first_success,
        "steps_to_near_optimal": marks.near_optimal,
        "total_env_steps": steps,
        "episodes": len(episodes),
        "successes": sum(r > 0 for _, r in episodes),
        "last_mean_return": round(sum(recent) / len(recent), 4) if recent else None,
        "wall_seconds": round(seconds, 2),
        "capped": capped,
    }


# ----------------------------------------------------------------------------- summary


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        params = row["params"]
        groups.setdefault((params["env"], params["method"]), []).append(row)
    table = [_group_summary(env, method, group) for (env, method), group in groups.items()]
    table.sort(key=lambda t: (_order(t["env"]), METHODS.index(t["method"])))
    plot = out_dir / (f"{NAME}-quick.png" if quick else f"{NAME}.png")
    _plot(table, plot)
    return {"window": WINDOW, "target": TARGET, "plot": plot.name, "table": table}


def _order(env: str) -> int:
    return ENVS.index(env) if env in ENVS else len(ENVS)


def _group_summary(env: str, method: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if "error" not in r["result"]]
    first = [r["result"]["steps_to_first_success"] for r in ok]
    near = [r["result"]["steps_to_near_optimal"] for r in ok]
    return {
        "env": env,
        "method": method,
        "seeds": sorted(r["params"]["seed"] for r in ok),
        "errors": len(rows) - len(ok),
        "median_steps_to_first_success": median_steps(first),
        "median_steps_to_near_optimal": median_steps(near),
        "solved_first_success": sum(v is not None for v in first),
        "solved_near_optimal": sum(v is not None for v in near),
        "steps_to_first_success": first,
        "steps_to_near_optimal": near,
        "median_wall_seconds": _median([r["result"]["wall_seconds"] for r in ok]),
        "capped": sum(bool(r["result"].get("capped")) for r in ok),
        "budget": _budget(rows[0]["params"]),
    }


def _budget(params: dict[str, Any]) -> str:
    cap = f"{params['wall_seconds']:.0f} s"
    if params["method"] == "ours":
        return f"{params['episodes']} episodes or {cap}"
    return f"{params['budget']} steps or {cap}"


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


PANELS = (("steps_to_first_success", "first success"), ("steps_to_near_optimal", "near-optimal"))


def _plot(table: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    envs = list(dict.fromkeys(t["env"] for t in table))
    steps = [float(v) for t in table for f, _ in PANELS for v in t[f] if v is not None]
    top = 2 * max([1.0, *steps])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for ax, (field, title) in zip(axes, PANELS, strict=True):
        _panel(ax, table, envs, field, top)
        ax.set_title(f"env steps to {title} (x: not solved)")
    axes[0].set_ylabel("env steps (median over seeds; dots: seeds)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def _panel(ax: Any, table: list[dict[str, Any]], envs: list[str], field: str, top: float) -> None:
    for m, method in enumerate(METHODS):
        _plot_method(ax, [t for t in table if t["method"] == method], envs, field, m, top)
    ax.axhline(top, color="grey", lw=0.5, ls=":")
    ax.text(0.5, top, "not solved", ha="center", va="bottom", fontsize=7,
            transform=ax.get_yaxis_transform())  # fmt: skip
    ax.set_yscale("log")
    names = [e.removeprefix("MiniGrid-").removesuffix("-v0") for e in envs]
    ax.set_xticks(range(len(envs)), names, rotation=35, ha="right")
    ax.legend(loc="upper left", fontsize=8)


def _plot_method(
    ax: Any, rows: list[dict[str, Any]], envs: list[str], field: str, m: int, top: float
) -> None:
    """Bars: medians over seeds; dots: seeds; x at `top`: a seed that did not solve."""
    color, offset = f"C{m}", -0.18 + 0.36 * m
    label: str | None = METHODS[m]
    for row in rows:
        i = envs.index(row["env"])
        med = median_steps(row[field])
        if med is not None:
            ax.bar(i + offset, med, width=0.34, color=color, alpha=0.4)
        for v in row[field]:
            y, marker = (v, "o") if v is not None else (top, "x")
            ax.scatter(i + offset, y, color=color, marker=marker, s=20, zorder=3, label=label)
            label = None
