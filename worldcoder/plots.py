"""The run directory's plots, drawn from its events.jsonl (so a resumed run plots its whole life).

    success.png   success of each episode (dots) and its rolling mean, against env steps
    accuracy.png  the model's accuracy on the transitions seen so far and on a fixed held-out set
                  of random transitions, against env steps (a step function: the model changes
                  only at synthesis); a vertical line where a model was proved correct

matplotlib (a dev extra) is imported lazily with the Agg backend; without it no plot is drawn
and `write_plots` says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from worldcoder.rundir import RunDir

WINDOW = 10
"""Episodes in the rolling success rate."""


def write_plots(run_path: Path) -> str:
    """Write success.png and accuracy.png into `run_path`; a one-line message says what happened."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "plots skipped: matplotlib is not installed (pip install matplotlib)"
    events = RunDir(run_path).records("events.jsonl")
    episodes = [e for e in events if e.get("event") == "episode"]
    if not episodes:
        return "plots skipped: no episode has ended yet"
    for name, draw in (("success.png", _success), ("accuracy.png", _accuracy)):
        fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
        draw(ax, events)
        ax.set_xlabel("env steps")
        ax.set_xlim(left=0)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(run_path / name)
        plt.close(fig)
    return f"plots: {run_path / 'success.png'}, {run_path / 'accuracy.png'}"


def rolling(values: list[float], window: int = WINDOW) -> list[float]:
    """The mean of each value and up to `window - 1` before it."""
    out: list[float] = []
    for i in range(len(values)):
        part = values[max(0, i + 1 - window) : i + 1]
        out.append(sum(part) / len(part))
    return out


def _success(ax: Any, events: list[dict[str, Any]]) -> None:
    episodes = [e for e in events if e.get("event") == "episode"]
    steps = [e["env_steps"] for e in episodes]
    success = [float(e["success"]) for e in episodes]
    ax.plot(steps, success, "o", ms=3, alpha=0.5, label="episode solved")
    ax.plot(steps, rolling(success), "-", label=f"rolling mean ({WINDOW} episodes)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("success")
    ax.legend(loc="lower right")


def _accuracy(ax: Any, events: list[dict[str, Any]]) -> None:
    points = [e for e in events if e.get("event") in ("episode", "synthesis")]
    for key, label in (("accuracy", "on the data seen so far"), ("heldout_accuracy", "held out")):
        xy = [(e["env_steps"], value) for e in points for value in _values(e, key)]
        if xy:
            ax.step(*zip(*xy, strict=True), where="post", label=label)
    proved = [e["env_steps"] for e in events if e.get("event") == "correctness"
              and e.get("status") == "equivalent"]  # fmt: skip
    if proved:
        ax.axvline(proved[0], color="green", ls="--", label="proved correct")
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("model accuracy")
    ax.legend(loc="lower right")


def _values(event: dict[str, Any], key: str) -> list[float]:
    """A synthesis event's accuracy before the new model (the counter-examples' dip), then after."""
    keys = ("accuracy_before", key) if key == "accuracy" else (key,)
    return [event[k] for k in keys if event.get(k) is not None]
