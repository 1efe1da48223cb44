"""The typed events of a run directory's events.jsonl: one frozen dataclass per kind.

Each line of events.jsonl is one event as a JSON object: `{"event": KIND, field: value, ...}`
(the keys are the dataclass' fields). `event_to_json` writes that form, `event_from_json` reads it
back, checking every field's type, and `read_events` reads a whole run directory's log with
located errors (`DIR/events.jsonl:12: ...`).

Adding a kind is one dataclass (with a `KIND` class variable and plain-typed fields: bool, int,
float, str, None-unions of these, tuple[str, ...], dict[str, Any] for a JSON object) plus one member of the `Event` union. A field
added to an existing kind needs a default, so that run directories written before it still read.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, Union

from worldcoder.rundir import RunDir


@dataclass(frozen=True)
class Episode:
    """An episode ended (not written for an episode cut by the run's env-step budget)."""

    KIND: ClassVar[str] = "episode"
    episode: int
    success: bool
    streak: int
    """Successes in a row, this one included."""
    env_steps: int
    accuracy: float | None
    heldout_accuracy: float | None


@dataclass(frozen=True)
class Counterexample:
    """A real transition the current model did not predict."""

    KIND: ClassVar[str] = "counterexample"
    line: int
    """Its line in transitions.jsonl (the run's env steps so far)."""
    action: str


@dataclass(frozen=True)
class Plan:
    """A plan search in the current model (`length` None: no plan was found)."""

    KIND: ClassVar[str] = "plan"
    env_steps: int
    length: int | None
    seconds: float = 0.0
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Explore:
    """The agent explores (`how`: random or novelty) until env step `until`."""

    KIND: ClassVar[str] = "explore"
    env_steps: int
    until: int
    how: str


@dataclass(frozen=True)
class Synthesis:
    """A synthesis call; `model` is the file the accepted model was saved to, if any."""

    KIND: ClassVar[str] = "synthesis"
    env_steps: int
    consistent: bool
    optimistic: bool | None
    failing: int
    seconds: float
    candidates: int
    accuracy_before: float | None
    accuracy: float | None
    heldout_accuracy: float | None
    alternatives: int
    model: str | None
    solver_seconds: float = 0.0
    proposer: str = ""


@dataclass(frozen=True)
class SynthesisStart:
    """A synthesis call starts from `state` (JSON, as in transitions.jsonl) under `mission`; a run
    killed before its `synthesis` event finishes that call first when resumed."""

    KIND: ClassVar[str] = "synthesis_start"
    env_steps: int
    state: dict[str, Any]
    mission: str


@dataclass(frozen=True)
class LlmCall:
    """One attempt at the LLM endpoint (`synth.llm.LLMCall`; outcome "replayed": answered from
    the run's reply log, not sent)."""

    KIND: ClassVar[str] = "llm_call"
    env_steps: int
    outcome: str
    tokens: int
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class Correctness:
    """A check of an accepted model against the reference model."""

    KIND: ClassVar[str] = "correctness"
    env_steps: int
    status: str
    """"equivalent", "heldout-mismatch", or the checker's verdict."""
    seconds: float


@dataclass(frozen=True)
class Distinguish:
    """A search for a situation where the model and an alternative disagree (`length` None:
    none found)."""

    KIND: ClassVar[str] = "distinguish"
    env_steps: int
    models: int
    length: int | None
    seconds: float
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inherited:
    """A curriculum stage starts from an earlier stage's model and transitions."""

    KIND: ClassVar[str] = "inherited"
    transitions: int
    model: str


Event = (
    Episode
    | Counterexample
    | Plan
    | Explore
    | Synthesis
    | SynthesisStart
    | LlmCall
    | Correctness
    | Distinguish
    | Inherited
)

KINDS: dict[str, type[Event]] = {cls.KIND: cls for cls in typing.get_args(Event)}


class EventError(ValueError):
    """A line of events.jsonl that is not an event."""


def event_to_json(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"event": event.KIND}
    for f in fields(event):
        value = getattr(event, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def event_from_json(obj: object, where: str) -> Event:
    """The event a decoded JSON line holds; an `EventError` starting with `where` otherwise."""
    if not isinstance(obj, dict):
        raise EventError(f'{where}: expected a JSON object with an "event" key')
    kind = obj.get("event")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise EventError(
            f"{where}: unknown event {kind!r} (expected one of {', '.join(sorted(KINDS))})"
        )
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    if unknown := sorted(set(obj) - names - {"event"}):
        raise EventError(f"{where}: {kind} event: unknown key {unknown[0]!r}")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in obj:
            values[f.name] = _conform(
                obj[f.name], hints[f.name], f"{where}: {kind} event: {f.name}"
            )
        elif f.default is MISSING:
            raise EventError(f"{where}: {kind} event: missing key {f.name!r}")
    return cls(**values)


def read_events(run: RunDir) -> list[Event]:
    """Every event of a run directory's events.jsonl (none if it has no log yet)."""
    path = run.path / "events.jsonl"
    records = run.records("events.jsonl")
    return [event_from_json(r, f"{path}:{n}") for n, r in enumerate(records, start=1)]


def _conform(value: object, tp: Any, where: str) -> Any:
    """`value` as type `tp` (an int is a float; a JSON list a tuple), or an `EventError`."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        for option in typing.get_args(tp):
            try:
                return _conform(value, option, where)
            except EventError:
                continue
        raise _expected(tp, value, where)
    if origin is dict:
        if not isinstance(value, dict):
            raise _expected(tp, value, where)
        return value
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(tp)
        if not isinstance(value, list):
            raise _expected(tp, value, where)
        return tuple(_conform(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if tp is type(None) and value is None:
        return None
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    raise _expected(tp, value, where)


def _expected(tp: Any, value: object, where: str) -> EventError:
    return EventError(f"{where}: expected {_type_name(tp)}, found {json.dumps(value)}")


def _type_name(tp: Any) -> str:
    """A field type as a reader of the JSON knows it: int, str | null, list of str."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        return " | ".join(_type_name(option) for option in typing.get_args(tp))
    if typing.get_origin(tp) is dict:
        return "object"
    if typing.get_origin(tp) is tuple:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    return "null" if tp is type(None) else str(tp.__name__)
