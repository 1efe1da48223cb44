"""Runtime values and their JSON form: states, missions, transitions and JSONL datasets.

A state is an agent record plus a fixed-length tuple of object records; a record is a tuple of
field values in schema order (bool, int, or an enum member's name). JSON uses objects keyed by
field name. Reading checks every value against the schema and reports FILE:LINE and the JSON
path of anything wrong; unknown extra keys of a transition are kept, never dropped.
`Outcome.matches` / `Outcome.differences` are the one definition of a prediction reproducing an
observed transition (the learner, the solver's consistency check and `validate` all use them).
`FlatSpace` holds the planners' flat form of the states of one search (plain tuples).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsl import core as C

Record = tuple[C.Scalar, ...]
_WORD = re.compile(r"[a-z0-9_]+")


class DataError(ValueError):
    """A JSON value or dataset line that does not fit the schema; the message says where."""


class _ObjectsInfo:
    """What is known about one objects tuple, shared by the states that have it (see `State`):
    its hash (0 until computed). Nothing bigger is kept per objects tuple: a search through
    many object configurations keeps a state for each (see `FlatSpace` for indexes)."""

    __slots__ = ("hash",)

    def __init__(self) -> None:
        self.hash = 0


@dataclass(frozen=True, init=False)
class State:
    """An agent record and the object records.

    Planners hash every state they reach, often more than once, so the hash is computed once and
    kept (in slots that are not fields: equality, `repr` and `dataclasses.replace` ignore them,
    and a pickle leaves them out, as string hashes differ between processes). States made by
    `with_agent` have the objects of another and share their hash. States are made often (one
    per model step), so `__init__` fills the slots through their descriptors directly.
    """

    __slots__ = ("_hash", "_info", "agent", "objects")
    agent: Record
    objects: tuple[Record, ...]
    if TYPE_CHECKING:  # slots, not fields
        _hash: int
        _info: _ObjectsInfo | None

    def __init__(self, agent: Record, objects: tuple[Record, ...]) -> None:
        _set_agent(self, agent)
        _set_objects(self, objects)
        _set_hash(self, 0)
        _set_info(self, None)

    def __hash__(self) -> int:
        h: int = self._hash
        if h == 0:
            h = hash((self.agent, self.objects_hash()))
            _set_hash(self, h)
        return h

    def __reduce__(self) -> tuple[type[State], tuple[Record, tuple[Record, ...]]]:
        return State, (self.agent, self.objects)

    def _objects_info(self) -> _ObjectsInfo:
        info = self._info
        if info is None:
            info = _ObjectsInfo()
            _set_info(self, info)
        return info

    def objects_hash(self) -> int:
        info = self._objects_info()
        if info.hash == 0:
            info.hash = hash(self.objects)
        return info.hash

    def with_agent(self, agent: Record) -> State:
        """This state with another agent record (the same objects, and what is known of them)."""
        new = State(agent, self.objects)
        _set_info(new, self._objects_info())
        return new

    def positions(self, fields: tuple[int, ...], values: Any) -> Sequence[int]:
        """Positions, in order, of the objects whose `fields` equal `values` (the value itself
        when there is one field, else a tuple of values in the order of `fields`)."""
        return _scan(self.objects, fields, values)


Flat = tuple[Any, ...]
"""A state in the flat form of a `FlatSpace`: the agent's fields, then the objects' number."""


TABLES_KEPT = 4096
"""Objects tuples a `FlatIndex` keeps tables of; it starts again from none past that, so a
search through many object configurations (Sokoban) does not keep a table for each."""


class FlatSpace:
    """The flat form of the states of one search: a state is a plain tuple of the agent's fields
    followed by the number of its objects tuple in this space, so a planner hashes and compares
    a few scalars (in C) and the code `dsl.codegen` writes for this form reads and writes those
    tuples directly. Each distinct objects tuple is kept once; `index` finds its objects by
    field values for all the states of the search that have it.

    Flat states mean something only in the space that made them; a space lives as long as the
    search that uses it.
    """

    __slots__ = ("_ids", "_indexes", "kept", "objects", "width")

    def __init__(self, width: int, kept: int = TABLES_KEPT) -> None:
        self.width = width  # the number of agent fields: the objects' number is at this index
        self.kept = kept  # tables an index keeps (`FlatIndex`)
        self.objects: list[tuple[Record, ...]] = []
        self._ids: dict[tuple[Record, ...], int] = {}
        self._indexes: dict[tuple[int, ...], FlatIndex] = {}

    def intern(self, objects: tuple[Record, ...]) -> int:
        """The number of `objects` in this space (given the first time they are seen)."""
        n = self._ids.get(objects)
        if n is None:
            n = self._ids[objects] = len(self.objects)
            self.objects.append(objects)
        return n

    def flat(self, state: State) -> Flat:
        return (*state.agent, self.intern(state.objects))

    def state(self, flat: Flat) -> State:
        return State(flat[: self.width], self.objects[flat[self.width]])

    def index(self, fields: tuple[int, ...]) -> FlatIndex:
        """The space's index by `fields`: `index[number].get(values, ())` are the positions, in
        order, of the objects of that number whose `fields` equal `values` (as for
        `State.positions`)."""
        found = self._indexes.get(fields)
        if found is None:
            found = self._indexes[fields] = FlatIndex(self.objects, fields, self.kept)
        return found


class FlatIndex(dict[int, dict[Any, tuple[int, ...]]]):
    """Per objects number of a `FlatSpace`, its objects' positions by the values of `fields`
    (a table made when first asked for; past `kept` tables, all are dropped)."""

    __slots__ = ("fields", "kept", "objects")

    def __init__(
        self, objects: list[tuple[Record, ...]], fields: tuple[int, ...], kept: int
    ) -> None:
        super().__init__()
        self.objects = objects
        self.fields = fields
        self.kept = kept

    def __missing__(self, number: int) -> dict[Any, tuple[int, ...]]:
        if len(self) >= self.kept:
            self.clear()
        table = self[number] = _index(self.objects[number], self.fields)
        return table


def _scan(objects: tuple[Record, ...], fields: tuple[int, ...], values: Any) -> list[int]:
    """Positions of the objects whose `fields` equal `values` (up to three fields compared
    inline: most objects fail on the first)."""
    if len(fields) == 1:
        (a,), va = fields, values
        return [p for p, o in enumerate(objects) if o[a] == va]
    if len(fields) == 2:
        (a, b), (va, vb) = fields, values
        return [p for p, o in enumerate(objects) if o[a] == va and o[b] == vb]
    if len(fields) == 3:
        (a, b, c), (va, vb, vc) = fields, values
        return [p for p, o in enumerate(objects) if o[a] == va and o[b] == vb and o[c] == vc]
    get = itemgetter(*fields)
    return [p for p, o in enumerate(objects) if get(o) == values]


def _index(objects: tuple[Record, ...], fields: tuple[int, ...]) -> dict[Any, tuple[int, ...]]:
    get = itemgetter(*fields)
    table: dict[Any, list[int]] = {}
    for p, o in enumerate(objects):
        key = get(o)
        hits = table.get(key)
        if hits is None:
            table[key] = [p]
        else:
            hits.append(p)
    return {key: tuple(hits) for key, hits in table.items()}


_set_agent = vars(State)["agent"].__set__
_set_objects = vars(State)["objects"].__set__
_set_hash = vars(State)["_hash"].__set__
_set_info = vars(State)["_info"].__set__


@dataclass(frozen=True, slots=True)
class Mission:
    """The mission text and its words (lower case, split on anything not a letter or digit)."""

    text: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Mission:
        return cls(text, tuple(_WORD.findall(text.lower())))


@dataclass(frozen=True, slots=True)
class Transition:
    state: State
    action: str
    next_state: State
    reward: float
    done: bool
    mission: Mission
    extra: tuple[tuple[str, Any], ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True, init=False)
class Outcome:
    """What a model predicts for one step (one is made per model step, so `__init__` fills the
    slots through their descriptors, as `State` does)."""

    next_state: State
    reward: int
    done: bool

    def __init__(self, next_state: State, reward: int, done: bool) -> None:
        _set_next_state(self, next_state)
        _set_reward(self, reward)
        _set_done(self, done)

    def matches(self, t: Transition) -> bool:
        """Whether this prediction reproduces an observed transition exactly: no
        `differences` (checked directly, as the learner calls this on every step it scores)."""
        return (
            self.next_state == t.next_state
            and float(self.reward) == t.reward
            and self.done == t.done
        )

    def differences(
        self, schema: C.Schema, next_state: State, reward: float, done: bool, other: str
    ) -> list[str]:
        """Readable differences from an observed outcome, `other` naming where it was observed
        (e.g. "data", "environment"); empty exactly when the prediction matches."""
        diffs = list(state_differences(schema, self.next_state, next_state, other))
        if float(self.reward) != reward:
            diffs.append(f"reward: model {self.reward}, {other} {reward:g}")
        if self.done != done:
            diffs.append(f"done: model {show_value(self.done)}, {other} {show_value(done)}")
        return diffs


_set_next_state = vars(Outcome)["next_state"].__set__
_set_reward = vars(Outcome)["reward"].__set__
_set_done = vars(Outcome)["done"].__set__


# ----------------------------------------------------------------------------- JSON -> values


def _scalar(f: C.Field, value: object, where: str) -> C.Scalar:
    t = f.type
    if isinstance(t, C.BoolT):
        if isinstance(value, bool):
            return value
        raise DataError(f"{where}: expected true or false, found {json.dumps(value)}")
    if isinstance(t, C.IntT):
        if isinstance(value, int) and not isinstance(value, bool):
            lo, hi = f.lo, f.hi
            if lo is not None and hi is not None and not lo <= value <= hi:
                raise DataError(f"{where}: {value} is outside int[{lo}..{hi}]")
            return value
        raise DataError(f"{where}: expected an integer, found {json.dumps(value)}")
    if isinstance(t, C.EnumT):
        if isinstance(value, str) and value in t.members:
            return value
        raise DataError(
            f"{where}: expected one of {', '.join(t.members)} ({t.name}), found {json.dumps(value)}"
        )
    raise DataError(f"{where}: field type {t} cannot hold data")


def record_from_json(fields: tuple[C.Field, ...], obj: object, where: str) -> Record:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected a JSON object, found {json.dumps(obj)[:60]}")
    names = {f.name for f in fields}
    unknown = sorted(set(obj) - names)
    if unknown:
        raise DataError(
            f"{where}: unknown field {unknown[0]!r} (the schema has {', '.join(sorted(names))})"
        )
    out: list[C.Scalar] = []
    for f in fields:
        if f.name not in obj:
            raise DataError(f"{where}: missing field {f.name!r}")
        out.append(_scalar(f, obj[f.name], f"{where}.{f.name}"))
    return tuple(out)


def state_from_json(schema: C.Schema, obj: object, where: str = "state") -> State:
    if not isinstance(obj, dict) or "agent" not in obj or "objects" not in obj:
        raise DataError(f"{where}: expected an object with keys 'agent' and 'objects'")
    objects = obj["objects"]
    if not isinstance(objects, list):
        raise DataError(f"{where}.objects: expected a list")
    agent = record_from_json(schema.agent, obj["agent"], f"{where}.agent")
    return State(
        agent,
        tuple(
            record_from_json(schema.object, o, f"{where}.objects[{i}]")
            for i, o in enumerate(objects)
        ),
    )


def state_to_json(schema: C.Schema, state: State) -> dict[str, Any]:
    return {
        "agent": dict(zip((f.name for f in schema.agent), state.agent, strict=True)),
        "objects": [
            dict(zip((f.name for f in schema.object), o, strict=True)) for o in state.objects
        ],
    }


_REQUIRED = ("state", "action", "next_state", "reward", "done", "mission")


def transition_from_json(schema: C.Schema, obj: object, where: str) -> Transition:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected a JSON object with keys {', '.join(_REQUIRED)}")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise DataError(f"{where}: missing key {missing[0]!r}")
    state = state_from_json(schema, obj["state"], f"{where}: state")
    nxt = state_from_json(schema, obj["next_state"], f"{where}: next_state")
    if len(state.objects) != len(nxt.objects):
        raise DataError(
            f"{where}: state has {len(state.objects)} objects but next_state has {len(nxt.objects)}"
        )
    action, reward, done, mission = obj["action"], obj["reward"], obj["done"], obj["mission"]
    actions = schema.actions
    if not isinstance(action, str) or action not in actions:
        raise DataError(
            f"{where}: action: expected one of {', '.join(actions)}, found {json.dumps(action)}"
        )
    value = _reward(reward, where)
    if not isinstance(done, bool):
        raise DataError(f"{where}: done: expected true or false, found {json.dumps(done)}")
    if not isinstance(mission, str):
        raise DataError(f"{where}: mission: expected a string, found {json.dumps(mission)}")
    extra = tuple((k, v) for k, v in obj.items() if k not in _REQUIRED)
    return Transition(state, action, nxt, value, done, Mission.of(mission), extra)


def _reward(reward: object, where: str) -> float:
    """A reward as a finite float: NaN, infinities and numbers beyond a float are refused."""
    if isinstance(reward, bool) or not isinstance(reward, int | float):
        raise DataError(f"{where}: reward: expected a number, found {json.dumps(reward)}")
    try:
        value = float(reward)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        shown = str(reward) if len(str(reward)) <= 20 else f"a {len(str(reward))}-digit number"
        raise DataError(f"{where}: reward: expected a finite number, found {shown}")
    return value


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json_line(text: str, where: str) -> object:
    """One JSON value of a JSONL line, or a `DataError` at `where` (FILE:LINE): invalid JSON,
    NaN / Infinity (not JSON) and values nested too deeply to read are all refused."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise DataError(f"{where}:{err.colno}: invalid JSON: {err.msg}") from None
    except RecursionError:
        raise DataError(f"{where}: invalid JSON: nested too deeply to read") from None
    except ValueError as err:
        raise DataError(f"{where}: invalid JSON: {err}") from None


def transition_to_json(schema: C.Schema, t: Transition) -> dict[str, Any]:
    out: dict[str, Any] = {
        "state": state_to_json(schema, t.state),
        "action": t.action,
        "next_state": state_to_json(schema, t.next_state),
        "reward": t.reward,
        "done": t.done,
        "mission": t.mission.text,
    }
    out.update(dict(t.extra))
    return out


def read_dataset(schema: C.Schema, path: str | Path) -> list[Transition]:
    """Every transition of a JSONL file; blank lines are skipped; errors name FILE:LINE."""
    return [t for _, t in iter_dataset(schema, path)]


def iter_dataset(schema: C.Schema, path: str | Path) -> Iterator[tuple[int, Transition]]:
    p = Path(path)
    try:
        handle = p.open("rb")
    except OSError as err:
        raise DataError(f"{p}: cannot read: {err.strerror}") from None
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            where = f"{p}:{lineno}"
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DataError(f"{where}: the line is not UTF-8 text") from None
            if not text.strip():
                continue
            obj = parse_json_line(text, where)
            yield lineno, transition_from_json(schema, obj, where)


def write_dataset(schema: C.Schema, transitions: Iterable[Transition], path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8") as out:
        for t in transitions:
            out.write(json.dumps(transition_to_json(schema, t)) + "\n")


def as_mapping(record: Record, fields: tuple[C.Field, ...]) -> Mapping[str, C.Scalar]:
    return dict(zip((f.name for f in fields), record, strict=True))


# ----------------------------------------------------------------------------- differences


def state_differences(
    schema: C.Schema, model: State, real: State, other: str = "environment"
) -> Iterator[str]:
    """Readable field-by-field differences between a predicted and an observed state."""
    for f, a, b in zip(schema.agent, model.agent, real.agent, strict=True):
        if a != b:
            yield f"agent.{f.name}: model {show_value(a)}, {other} {show_value(b)}"
    for i, (mo, ro) in enumerate(zip(model.objects, real.objects, strict=True)):
        for f, a, b in zip(schema.object, mo, ro, strict=True):
            if a != b:
                label = _label(schema, ro)
                yield f"objects[{i}].{f.name} ({label}): model {show_value(a)}, {other} {show_value(b)}"


def _label(schema: C.Schema, obj: tuple[C.Scalar, ...]) -> str:
    names = [f.name for f in schema.object]
    parts = [str(obj[names.index(n)]) for n in ("color", "kind") if n in names]
    if "x" in names and "y" in names:
        parts.append(f"at ({obj[names.index('x')]}, {obj[names.index('y')]})")
    return " ".join(parts)


def show_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
