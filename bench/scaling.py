"""The paper's claim (b): env steps to a correct model as the grid grows, with and without optimism.

Empty and DoorKey at 5x5, 6x6, 8x8 and 16x16, seeds 0-2 (quick: Empty at 5x5 and 6x6, seed 0), two
methods of bench/optimism.py: `optimistic` (the default agent) and `novelty` (no optimism,
novelty exploration; in a trial on DoorKey-5x5 seed 0 it proved a model at step 1,300 where
random exploration had no success in 3,000 steps). Each job is one `worldcoder learn
--until-correct --max-env-steps B` run (bench/optimism.py `run_learn`) with planning horizon
max(40, 5 x size), killed at a wall-clock cap; the figures are the ones of
bench/optimism.py, chiefly `steps_to_correct_model` (the agent's bounded-equivalence check on
states like the ones it acted from) and `steps_to_task_correct_model` (the same fixed task
yardstick for every method).

The summary gives per family x size x method the medians over seeds ("not reached" = null when
most seeds did not get there within the env-step budget or the wall cap) and how many seeds
reached each figure. The plot scaling[-quick].png has one panel per family: grid size (x, log)
against env steps to a correct model (y, log), a line through the medians per method, a dot per
seed, and an x on the dotted "not reached" line for a seed that did not get there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.optimism import group_table, learn_params, run_learn
from bench.suite import Job

NAME = "scaling"
FAMILIES = ("Empty", "DoorKey")
SIZES = (5, 6, 8, 16)
SEEDS = (0, 1, 2)
METHODS = ("optimistic", "novelty")
MAX_ENV_STEPS = 10_000
WALL = 3_600.0
QUICK_MAX_ENV_STEPS = 1_000
QUICK_WALL = 120.0


def env_id(family: str, size: int) -> str:
    return f"MiniGrid-{family}-{size}x{size}-v0"


def horizon(size: int) -> int:
    """The planning horizon: enough for the longest shortest solution of a size x size grid."""
    return max(40, 5 * size)


def jobs(quick: bool) -> list[Job]:
    if quick:
        grid = [("Empty", 5), ("Empty", 6)]
        seeds, steps, wall = SEEDS[:1], QUICK_MAX_ENV_STEPS, QUICK_WALL
    else:
        grid = [(f, s) for f in FAMILIES for s in SIZES]
        seeds, steps, wall = SEEDS, MAX_ENV_STEPS, WALL
    return [
        Job(NAME, f"{method}/{env_id(family, size)}/seed{seed}",
            {**learn_params(method, env_id(family, size), seed, max_env_steps=steps,
                            wall_seconds=wall, horizon=horizon(size)),
             "family": family, "size": size})
        for family, size in grid
        for method in METHODS
        for seed in seeds
    ]  # fmt: skip


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    return run_learn(params)


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    table = group_table(rows, ("family", "size", "method"))
    table.sort(key=lambda t: (t["family"], t["size"], t["method"]))
    plot = out_dir / f"{NAME}{'-quick' if quick else ''}.png"
    draw(table, plot)
    return {
        "plot": plot.name,
        "meaning": "env steps to a correct model (see bench/optimism.py: the agent's check and "
        "the task yardstick); medians over seeds, null = not reached by most seeds within "
        f"the budget ({QUICK_MAX_ENV_STEPS if quick else MAX_ENV_STEPS} env steps, "
        f"{QUICK_WALL if quick else WALL:.0f} s)",
        "table": table,
    }


PANEL = "steps_to_correct_model"


def draw(table: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = list(dict.fromkeys(t["family"] for t in table))
    seen = [float(v) for t in table for v in t[PANEL] if v is not None]
    top = 2 * max([10.0, *seen])
    fig, axes = plt.subplots(1, max(1, len(families)), figsize=(5.5 * max(1, len(families)), 4.2),
                             squeeze=False, sharey=True)  # fmt: skip
    for ax, family in zip(axes[0], families, strict=False):
        for m, method in enumerate(dict.fromkeys(t["method"] for t in table)):
            rows = [t for t in table if t["family"] == family and t["method"] == method]
            _method_line(ax, rows, f"C{m}", method, top)
        ax.axhline(top, color="grey", lw=0.5, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        sizes = sorted({t["size"] for t in table if t["family"] == family})
        ax.set_xticks(sizes, [f"{s}x{s}" for s in sizes])
        ax.minorticks_off()
        ax.set_title(f"{family}: env steps to a correct model (x: not reached)", fontsize=9)
        ax.set_xlabel("grid size")
        ax.legend(fontsize=8, loc="upper left")
    axes[0][0].set_ylabel("env steps (line: median over seeds; dots: seeds)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def _method_line(ax: Any, rows: list[dict[str, Any]], color: str, label: str, top: float) -> None:
    medians = [(t["size"], t[f"median_{PANEL}"]) for t in rows]
    xs = [s for s, v in medians if v is not None]
    ax.plot(xs, [v for _, v in medians if v is not None], color=color, marker="s", label=label)
    for t in rows:
        for i, v in enumerate(t[PANEL]):
            jitter = t["size"] * (1 + 0.02 * (i - 1))
            y, marker = (v, "o") if v is not None else (top, "x")
            ax.scatter(jitter, y, color=color, marker=marker, s=16, zorder=3, alpha=0.8)
