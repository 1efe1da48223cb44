"""States, missions and JSONL datasets: round trips, and located errors for bad data."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl.check import check_text
from dsl.values import (
    DataError,
    FlatSpace,
    Mission,
    Outcome,
    State,
    Transition,
    read_dataset,
    state_from_json,
    state_to_json,
    transition_to_json,
    write_dataset,
)
from tests.typed_programs import SCHEMA, states

PROGRAM = check_text(SCHEMA + "transition { }\nreward := 0\ndone := false\n")
STATE = {
    "agent": {"x": 1, "y": 2, "dir": 0, "carrying": "none"},
    "objects": [{"kind": "door", "color": "red", "x": 3, "y": 2, "open": False}],
}
LINE = {"state": STATE, "action": "toggle", "next_state": STATE, "reward": 0, "done": False,
        "mission": "Open the red door!", "raw_reward": 0.0, "episode": 4}  # fmt: skip


def test_state_round_trip() -> None:
    state = state_from_json(PROGRAM.schema, STATE)
    assert state.agent == (1, 2, 0, "none")
    assert state_to_json(PROGRAM.schema, state) == STATE


def test_a_state_keeps_its_hash_but_never_carries_it_elsewhere() -> None:
    s = state_from_json(PROGRAM.schema, STATE)
    h = hash(s)
    assert hash(s) == h == hash(State(s.agent, s.objects))
    assert hash(replace(s, objects=())) == hash(State(s.agent, ()))  # not the old state's hash
    other = (0, 0, 1, "key")
    assert s.with_agent(other) == State(other, s.objects)
    assert hash(s.with_agent(other)) == hash(State(other, s.objects))
    # string hashes differ between processes: a pickled state must hash there as a new one does
    code = (
        "import pickle, sys; from dsl.values import State; "
        "s = pickle.loads(sys.stdin.buffer.read()); "
        "print(hash(s) == hash(State(s.agent, s.objects)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(s), env=env,
                         capture_output=True, check=True)  # fmt: skip
    assert out.stdout.strip() == b"True"


@settings(max_examples=100, deadline=None)
@given(states(max_objects=8), st.lists(st.sampled_from([(2,), (2, 3), (0, 2, 3), (4,), (0, 1, 2, 3)]), max_size=12),
       st.integers(-1, 3))  # fmt: skip
def test_positions_find_exactly_the_objects_with_the_wanted_values(
    state: State, searches: list[tuple[int, ...]], x: int
) -> None:
    """`State.positions` finds exactly the objects with the wanted field values, in order, also
    for a state sharing the objects (`with_agent`)."""
    for n, fields in enumerate(searches):
        probe = state if n % 2 else state.with_agent(state.agent)
        for o in (*state.objects, ("door", "red", x, x, True)):
            wanted = o[fields[0]] if len(fields) == 1 else tuple(o[f] for f in fields)
            expect = [p for p, obj in enumerate(state.objects)
                      if all(obj[f] == o[f] for f in fields)]  # fmt: skip
            assert list(probe.positions(fields, wanted)) == expect


def test_searching_states_keeps_nothing_per_state_but_its_hash() -> None:
    """A search through many object configurations keeps a `State` for each; a State that was
    searched often must not keep an index of its objects (a 2M-node Sokoban search grew by GBs
    when it did). 72 states of 63 objects (36 configurations, two agents each), each searched
    5 times by two field sets: what stays allocated is the kept hashes, not a table each."""
    grid = [("door", "red", x, y, False) for x in range(8) for y in range(8)]
    states = [State((0, 0, 0, "none"), tuple(grid[:k] + grid[k + 1 :])) for k in range(36)]
    states += [State((1, 0, 0, "none"), s.objects) for s in states]
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for s in states:
        for _ in range(5):
            s.positions((2, 3), (1, 1))
            s.positions((2,), 3)
        hash(s)
    kept = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert kept < 150 * len(states)


@settings(max_examples=100, deadline=None)
@given(st.lists(states(max_objects=6), min_size=1, max_size=6),
       st.sampled_from([(2,), (2, 3), (0, 2, 3), (4,)]), st.integers(1, 3))  # fmt: skip
def test_a_flat_space_numbers_equal_objects_once_and_its_index_finds_them(
    many: list[State], fields: tuple[int, ...], kept: int
) -> None:
    """Flat states are (agent fields, objects number): equal exactly when the states are, and
    turned back into equal states; the index finds the objects a scan finds, also after it has
    dropped its tables (more objects tuples than `kept`)."""
    space = FlatSpace(4, kept)
    flats = [space.flat(s) for s in many]
    for s, f in zip(many, flats, strict=True):
        assert space.state(f) == s and space.flat(State(s.agent, tuple(s.objects))) == f
        for t, g in zip(many, flats, strict=True):
            assert (f == g) == (s == t)
    index = space.index(fields)
    for _ in range(2):
        for s, f in zip(many, flats, strict=True):
            for o in s.objects:
                wanted = o[fields[0]] if len(fields) == 1 else tuple(o[i] for i in fields)
                expect = [
                    p for p, obj in enumerate(s.objects) if all(obj[i] == o[i] for i in fields)
                ]
                assert list(index[f[4]].get(wanted, ())) == expect
        assert len(index) <= kept


def test_an_outcome_matches_exactly_when_it_has_no_differences() -> None:
    state = state_from_json(PROGRAM.schema, STATE)
    opened = state_from_json(
        PROGRAM.schema, {**STATE, "objects": [{**STATE["objects"][0], "open": True}]}
    )
    t = Transition(state, "toggle", opened, 1.0, True, Mission.of("open the red door"))
    cases = {
        Outcome(opened, 1, True): [],
        Outcome(state, 1, True): ["objects[0].open (red door at (3, 2)): model false, data true"],
        Outcome(opened, 0, True): ["reward: model 0, data 1"],
        Outcome(opened, 1, False): ["done: model false, data true"],
    }
    for outcome, expected in cases.items():
        found = outcome.differences(PROGRAM.schema, t.next_state, t.reward, t.done, "data")
        assert found == expected
        assert outcome.matches(t) == (not found)


def test_mission_words_are_lower_case_without_punctuation() -> None:
    assert Mission.of("Open the red door, then GO!").words == (
        "open",
        "the",
        "red",
        "door",
        "then",
        "go",
    )


def test_dataset_round_trip_keeps_extra_keys(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(LINE) + "\n\n" + json.dumps(LINE) + "\n")
    data = read_dataset(PROGRAM.schema, path)
    assert len(data) == 2
    assert transition_to_json(PROGRAM.schema, data[0]) == LINE
    write_dataset(PROGRAM.schema, data, tmp_path / "e.jsonl")
    assert [json.loads(x) for x in (tmp_path / "e.jsonl").read_text().splitlines()] == [LINE, LINE]


def _with(**changes: object) -> dict[str, object]:
    return {**LINE, **changes}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", ":2:2: invalid JSON: Expecting property name enclosed in double quotes"),
        (
            json.dumps([1, 2]),
            ":2: expected a JSON object with keys state, action, next_state, reward, done, mission",
        ),
        (json.dumps({k: v for k, v in LINE.items() if k != "done"}), ":2: missing key 'done'"),
        (
            json.dumps(_with(action="jump")),
            ':2: action: expected one of left, right, forward, pickup, toggle, found "jump"',
        ),
        (json.dumps(_with(reward="1")), ':2: reward: expected a number, found "1"'),
        (
            json.dumps(_with(state={**STATE, "agent": {**STATE["agent"], "x": 99}})),  # type: ignore[dict-item]
            ":2: state.agent.x: 99 is outside int[0..7]",
        ),
        (
            json.dumps(_with(next_state={"agent": STATE["agent"], "objects": [{"kind": "door"}]})),
            ":2: next_state.objects[0]: missing field 'color'",
        ),
        (
            json.dumps(_with(next_state={"agent": {**STATE["agent"], "z": 1}, "objects": []})),  # type: ignore[dict-item]
            ":2: next_state.agent: unknown field 'z' (the schema has carrying, dir, x, y)",
        ),
        (
            json.dumps(
                _with(
                    state={
                        "agent": STATE["agent"],
                        "objects": [{**STATE["objects"][0], "kind": "dor"}],
                    }
                )
            ),  # type: ignore[dict-item]
            ':2: state.objects[0].kind: expected one of none, wall, door, key, ball (Kind), found "dor"',
        ),
        (
            json.dumps(_with(next_state={"agent": STATE["agent"], "objects": []})),
            ":2: state has 1 objects but next_state has 0",
        ),
    ],
)
def test_bad_lines_are_located(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(LINE) + "\n" + line + "\n")
    with pytest.raises(DataError) as err:
        read_dataset(PROGRAM.schema, path)
    assert str(err.value) == f"{path}{message}"


HOSTILE = {
    "reward-beyond-float": (json.dumps(_with(reward=10**400)),
                            ":2: reward: expected a finite number, found a 401-digit number"),
    "reward-overflowing-literal": (json.dumps(_with(reward=1.5)).replace("1.5", "1e400"),
                                   ":2: reward: expected a finite number, found inf"),
    "reward-nan": (json.dumps(_with(reward=float("nan"))),
                   ":2: invalid JSON: NaN is not a number JSON allows"),
    "reward-minus-infinity": (json.dumps(_with(reward=float("-inf"))),
                              ":2: invalid JSON: -Infinity is not a number JSON allows"),
    "unclosed-5000-deep": ("[" * 5000, ":2: invalid JSON: nested too deeply to read"),
    "closed-5000-deep": ("[" * 5000 + "]" * 5000, ":2: invalid JSON: nested too deeply to read"),
}  # fmt: skip


@pytest.mark.parametrize(("line", "message"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_lines_are_located(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(LINE) + "\n" + line + "\n")
    with pytest.raises(DataError) as err:
        read_dataset(PROGRAM.schema, path)
    assert str(err.value) == f"{path}{message}"


def test_non_utf8_line_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bin.jsonl"
    path.write_bytes(json.dumps(LINE).encode() + b"\n\xff\xfe\n")
    with pytest.raises(DataError, match=r"bin.jsonl:2: the line is not UTF-8 text"):
        read_dataset(PROGRAM.schema, path)
