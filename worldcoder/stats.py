"""A learning run's figures, derived from its run directory: the one source of report.json's counts.

`Stats` holds every count and time of a run (env steps, episodes, synthesis calls and seconds,
exploration steps, counter-examples, ...). It is a fold over the run's logs: `count_transition`
for each line of transitions.jsonl and `count_event` for each event of events.jsonl. The agent
folds each record as it writes it, and a resumed run starts from `stats_from_run`, so a run
killed and resumed reports the figures of its whole life, and resuming a finished run reports
what it reported before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, assert_never

from worldcoder.events import (
    Correctness,
    Counterexample,
    Distinguish,
    Episode,
    Event,
    Explore,
    Inherited,
    LlmCall,
    Plan,
    Synthesis,
    SynthesisStart,
    read_events,
)
from worldcoder.rundir import RunDir


@dataclass(frozen=True)
class Stats:
    env_steps: int = 0
    exploration_steps: int = 0
    """Actions not taken from a plan (random or novelty exploration)."""
    episodes: int = 0
    successes: int = 0
    streak: int = 0
    steps_to_first_success: int | None = None
    steps_to_streak: int | None = None
    """Env steps when `streak` successes in a row were first reached."""
    steps_to_correct_model: int | None = None
    correctness_seconds: float = 0.0
    synthesis_seconds: float = 0.0
    solver_seconds: float = 0.0
    """Plan searches and synthesis' solver queries."""
    synth_calls: int = 0
    llm_calls: int = 0
    """Requests sent to the LLM endpoint (retries included)."""
    llm_tokens: int = 0
    llm_seconds: float = 0.0
    llm_replayed: int = 0
    """LLM requests answered from the run directory's reply log (after a resume), not re-sent."""
    counterexamples: int = 0
    distinguishing: int = 0
    """Distinguishing searches that found a situation to go to."""


def count_transition(stats: Stats, record: dict[str, Any]) -> Stats:
    """`stats` after one more of the run's own transitions (a transitions.jsonl record)."""
    explored = bool(record.get("explored", False))
    return replace(
        stats,
        env_steps=stats.env_steps + 1,
        exploration_steps=stats.exploration_steps + explored,
    )


def count_event(stats: Stats, event: Event, streak: int) -> Stats:
    """`stats` after one more event; `streak` is the run's target of successes in a row."""
    match event:
        case Episode():
            return replace(
                stats,
                episodes=stats.episodes + 1,
                successes=stats.successes + event.success,
                streak=event.streak,
                steps_to_first_success=stats.steps_to_first_success
                if stats.steps_to_first_success is not None or not event.success
                else event.env_steps,
                steps_to_streak=stats.steps_to_streak
                if stats.steps_to_streak is not None or event.streak < streak
                else event.env_steps,
            )
        case Synthesis():
            return replace(
                stats,
                synth_calls=stats.synth_calls + 1,
                synthesis_seconds=stats.synthesis_seconds + event.seconds,
                solver_seconds=stats.solver_seconds + event.solver_seconds,
            )
        case LlmCall(outcome="replayed"):
            return replace(stats, llm_replayed=stats.llm_replayed + 1)
        case LlmCall():
            return replace(
                stats,
                llm_calls=stats.llm_calls + 1,
                llm_tokens=stats.llm_tokens + event.tokens,
                llm_seconds=stats.llm_seconds + event.seconds,
            )
        case Correctness():
            proved = event.status == "equivalent" and stats.steps_to_correct_model is None
            return replace(
                stats,
                correctness_seconds=stats.correctness_seconds + event.seconds,
                steps_to_correct_model=event.env_steps if proved else stats.steps_to_correct_model,
            )
        case Plan():
            return replace(stats, solver_seconds=stats.solver_seconds + event.seconds)
        case Counterexample():
            return replace(stats, counterexamples=stats.counterexamples + 1)
        case Distinguish():
            return replace(stats, distinguishing=stats.distinguishing + (event.length is not None))
        case Explore() | Inherited() | SynthesisStart():
            return stats
        case _:
            assert_never(event)


def stats_from_run(run: RunDir, streak: int) -> Stats:
    """The figures of everything a run directory records (its own transitions, not inherited
    ones: those are in the earlier stages' directories)."""
    stats = Stats()
    for record in run.records("transitions.jsonl"):
        stats = count_transition(stats, record)
    for event in read_events(run):
        stats = count_event(stats, event, streak)
    return stats
