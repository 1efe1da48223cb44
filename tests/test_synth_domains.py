"""The offline enumerative proposer on Sokoban and Taxi: models learned from random-policy data
with the domain hint priors (models/sokoban_hint.wc, models/taxi_hint.wc), validated on held-out
episodes of other seeds, and for Sokoban proved equivalent to the reference model
(models/sokoban.wc) on every well-formed state of a walled 6x6 grid.

Sokoban data: random-policy episodes, interleaved episode by episode from three sources: the
bundled levels (level chosen by the seed), bundled level 0 (one box, so random play sometimes
solves it and the reward is seen), and one extra level whose boxes start on targets. Random play
on the bundled levels alone never pushes a box off a target and never reaches a partly solved
state (none in 2,400 transitions), so without the extra level "a target under a box stays put"
and "reward only when every box is on a target" cannot be learned from the data.

Taxi data: 3,000 random-policy transitions, which include three deliveries (random play
delivers about once in 4,000 steps); the held-out set (100 episodes of 200 steps) has four.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from dsl import core as C
from dsl.check import check_file
from dsl.compile import ExprCompiler
from dsl.values import Mission, state_from_json, transition_from_json
from solver import Bounds, equivalent
from synth import Optimism, Spec, synthesize
from synth.score import program_text
from worldcoder.correctness import well_formed_reference
from worldcoder.domains import domain
from worldcoder.envs import collect, make_env
from worldcoder.validate import play_and_validate

ROOT = Path(__file__).resolve().parents[1]
PRIOR = ROOT / "models" / "sokoban_hint.wc"
TAXI_PRIOR = ROOT / "models" / "taxi_hint.wc"
MISSION = "push every box onto a target"
# Two boxes start on targets, next to the player (a push up or left moves one off its target);
# the third box is one push from the free target's column.
EXTRA_LEVEL = """; boxes on targets
#######
#    .#
#  *  #
# *@$ #
#     #
#######
"""


@pytest.fixture(scope="module")
def extra_level(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("levels") / "extra.txt"
    path.write_text(EXTRA_LEVEL)
    return str(path)


def sokoban_records(n: int, seed: int, extra_level: str) -> list[dict[str, Any]]:
    """The first n transitions of episodes seed, seed+1, ... cycling over the three sources."""
    out: list[dict[str, Any]] = []
    i = 0
    while len(out) < n:
        if i % 3 == 0:
            out += collect("Sokoban", 1, seed + i, max_steps=30)
        elif i % 3 == 1:
            out += collect("Sokoban", 1, seed + i, max_steps=15, level=0)
        else:
            out += collect("Sokoban", 1, seed + i, max_steps=15, level_file=extra_level)
        i += 1
    return out[:n]


def test_sokoban_model_is_learned_and_proved(tmp_path: Path, extra_level: str) -> None:
    schema = check_file(PRIOR).schema
    records = sokoban_records(250, 0, extra_level)
    data = tuple(
        (i + 1, transition_from_json(schema, r, f"line {i + 1}")) for i, r in enumerate(records)
    )
    env = make_env("Sokoban", level=0)
    start, mission = env.reset(seed=1000)
    env.close()
    spec = Spec(
        data, (PRIOR,), Optimism(((state_from_json(schema, start), Mission.of(mission)),), 10)
    )
    result = synthesize(spec, "enum")
    assert result.consistent and result.optimistic and not result.failing, result.text
    out = tmp_path / "sokoban.wc"
    out.write_text(program_text(spec, result.text, out))
    learned = check_file(out)

    # Held-out episodes of other seeds, on the bundled levels and on the extra level.
    for level_file in (None, extra_level):
        agreement = play_and_validate(
            learned, "Sokoban", 20, 1000, max_steps=60, level_file=level_file
        )
        assert agreement.fraction == 1.0, (result.text, agreement.first_mismatch)

    # Well-formed Sokoban states (models/sokoban_well_formed.wc): every object on the grid, no two
    # objects of one kind on a cell, walls alone on their cell, the player on neither a wall nor a
    # box, as many boxes as targets and at least one box.
    reference = well_formed_reference(domain("sokoban"))
    # The assumption is not vacuous: every real state of the held-out episodes satisfies it.
    holds = ExprCompiler(reference).compile(C.CallE("well_formed", (), C.BOOL))
    for rec in collect("Sokoban", 10, 1000, max_steps=30):
        state = state_from_json(reference.schema, rec["state"])
        assert holds(state, None, rec["action"], Mission.of(MISSION).words, {}), rec["state"]
    # Bounded equivalence: the same next state, reward and done on every well-formed state of
    # a walled 6x6 grid with up to 5 more objects (boxes, targets, inner walls), for every action.
    proof = equivalent(reference, learned, Bounds(6, 6, 5, walls=True), Mission.of(MISSION),
                       assume="well_formed")  # fmt: skip
    assert proof.status == "equivalent", (result.text, proof.state, proof.action)


def test_taxi_model_is_learned(tmp_path: Path) -> None:
    schema = check_file(TAXI_PRIOR).schema
    records = list(itertools.islice(collect("Taxi-v4", 1000, 0, max_steps=100), 3000))
    assert sum(r["reward"] == 20 for r in records) >= 1  # the data show a delivery
    data = tuple(
        (i + 1, transition_from_json(schema, r, f"line {i + 1}")) for i, r in enumerate(records)
    )
    env = make_env("Taxi-v4")
    start, mission = env.reset(seed=1000)
    env.close()
    spec = Spec(
        data, (TAXI_PRIOR,), Optimism(((state_from_json(schema, start), Mission.of(mission)),), 30)
    )
    result = synthesize(spec, "enum")
    assert result.consistent and result.optimistic and not result.failing, result.text
    out = tmp_path / "taxi.wc"
    out.write_text(program_text(spec, result.text, out))
    learned = check_file(out)
    # Held-out episodes of other seeds (every pickup, drop-off and delivery outcome included).
    agreement = play_and_validate(learned, "Taxi-v4", 100, 1000, max_steps=200)
    assert agreement.fraction == 1.0, (result.text, agreement.first_mismatch)
