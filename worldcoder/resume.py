"""Where a killed run stopped, read from its logs, so that `worldcoder learn --resume` continues
exactly as the run would have gone on.

Everything the agent decides from is in the run directory or follows from it: the data
(transitions.jsonl), the current model (the latest models/NNN.wc) and, from events.jsonl, the
plan being followed (a plan or distinguish event's actions, minus the steps taken since, unless a
counter-example cleared it), the exploration window (`until` of the last explore event), the step
of the last synthesis call and whether the current model was checked already. An episode the kill
cut is continued, not abandoned: the agent replays its recorded actions in the real environment
(the environments are deterministic given the episode's seed) and goes on from its last step.

Not restored: synthesis' alternative programs (kept in memory only); a run resumed while some were
still undecided finds them again at its next synthesis call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
)


@dataclass(frozen=True)
class Stop:
    episode: int
    """The episode to run next: the one the kill cut, or the one after the last that ended."""
    replay: tuple[dict[str, Any], ...]
    """The cut episode's transitions, to replay in the environment before going on."""
    plan: tuple[str, ...]
    """The rest of the plan being followed (made in the cut episode, or at the start of the next
    one before its first step)."""
    explore_until: int
    synthesized: int | None
    """Env steps at the last synthesis call."""
    checked: bool
    """Whether the current model was already checked against the reference model."""
    synthesis_starts: int
    """Synthesis calls started (they number the LLM reply log's entries)."""
    pending: SynthesisStart | None
    """The start of a synthesis call the run was killed in (finished first on resume)."""


def ended(record: dict[str, Any]) -> bool:
    """Whether a transition record ends its episode."""
    return bool(record["done"]) or bool(record.get("truncated", False))


def where_it_stopped(records: Sequence[dict[str, Any]], events: Sequence[Event]) -> Stop:
    """Where a run whose own transitions are `records` and whose events are `events` stopped.
    The bookkeeping of its last transition must be complete (see `Agent._resume`): its
    counter-example event, or its episode event if it ended the episode."""
    env_steps = len(records)
    last = records[-1] if records else None
    cut = last is not None and not ended(last)
    episode = 0 if last is None else int(last["episode"]) + (not cut)
    replay = tuple(r for r in records if int(r["episode"]) == episode) if cut else ()
    return Stop(
        episode,
        replay,
        _plan_left(events, env_steps),
        _explore_until(events),
        next((e.env_steps for e in reversed(events) if isinstance(e, Synthesis)), None),
        _checked(events),
        sum(isinstance(e, SynthesisStart) for e in events),
        _pending(events),
    )


def _plan_left(events: Sequence[Event], env_steps: int) -> tuple[str, ...]:
    """The actions of the plan the agent followed when it stopped, not taken yet: of the last
    plan or distinguish event (none if its search failed), unless a counter-example, an episode's
    end or an exploration window came after it."""
    for event in reversed(events):
        match event:
            case Counterexample() | Episode() | Explore():
                return ()
            case Plan(actions=actions) | Distinguish(path=actions):
                return actions[env_steps - event.env_steps :]
            case Synthesis() | SynthesisStart() | LlmCall() | Correctness() | Inherited():
                continue
            case _:
                assert_never(event)
    return ()


def _explore_until(events: Sequence[Event]) -> int:
    for event in reversed(events):
        if isinstance(event, Explore):
            return event.until
        if isinstance(event, Distinguish) and event.path:
            return event.env_steps + len(event.path)
    return 0


def _checked(events: Sequence[Event]) -> bool:
    """Whether a correctness event follows the event that brought in the current model."""
    for event in reversed(events):
        if isinstance(event, Correctness):
            return True
        if isinstance(event, Inherited) or (isinstance(event, Synthesis) and event.model):
            return False
    return False


def _pending(events: Sequence[Event]) -> SynthesisStart | None:
    """The last synthesis start, unless its synthesis event follows it."""
    for event in reversed(events):
        if isinstance(event, Synthesis):
            return None
        if isinstance(event, SynthesisStart):
            return event
    return None
