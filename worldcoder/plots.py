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

from worldcoder.events import Correctness, Episode, Event, Synthesis, read_events
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
    events = read_events(RunDir(run_path))
    if not any(isinstance(e, Episode) for e in events):
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


def _success(ax: Any, events: list[Event]) -> None:
    episodes = [e for e in events if isinstance(e, Episode)]
    steps = [e.env_steps for e in episodes]
    success = [float(e.success) for e in episodes]
    ax.plot(steps, success, "o", ms=3, alpha=0.5, label="episode solved")
    ax.plot(steps, rolling(success), "-", label=f"rolling mean ({WINDOW} episodes)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("success")
    ax.legend(loc="lower right")


def _accuracy(ax: Any, events: list[Event]) -> None:
    data = [point for e in events for point in _on_data(e)]
    heldout = [point for e in events for point in _held_out(e)]
    for xy, label in ((data, "on the data seen so far"), (heldout, "held out")):
        if xy:
            ax.step(*zip(*xy, strict=True), where="post", label=label)
    proved = [
        e.env_steps for e in events if isinstance(e, Correctness) and e.status == "equivalent"
    ]
    if proved:
        ax.axvline(proved[0], color="green", ls="--", label="proved correct")
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("model accuracy")
    if data or heldout or proved:
        ax.legend(loc="lower right")
    else:
        ax.text(0.5, 0.5, "no model yet", ha="center", va="center", transform=ax.transAxes)


def _on_data(event: Event) -> list[tuple[int, float]]:
    """(env steps, accuracy on the data) of an episode's end; of a synthesis event, the accuracy
    before the new model (the counter-examples' dip), then after."""
    if isinstance(event, Synthesis):
        values = (event.accuracy_before, event.accuracy)
        return [(event.env_steps, v) for v in values if v is not None]
    if isinstance(event, Episode) and event.accuracy is not None:
        return [(event.env_steps, event.accuracy)]
    return []


def _held_out(event: Event) -> list[tuple[int, float]]:
    if isinstance(event, Episode | Synthesis) and event.heldout_accuracy is not None:
        return [(event.env_steps, event.heldout_accuracy)]
    return []
