"""The offline enumerative proposer, end to end on real environment data."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl.check import check_file, check_modules
from dsl.parse import load_modules, parse_module
from dsl.values import Mission, state_from_json, transition_from_json
from solver import Bounds, equivalent
from synth import Optimism, Spec, synthesize
from synth.score import program_text
from worldcoder.correctness import check_model
from worldcoder.envs import collect, make_env
from worldcoder.validate import play_and_validate

ROOT = Path(__file__).resolve().parents[1]
PRIOR = ROOT / "models" / "minigrid_hint.wc"
EMPTY_STATES = (
    "all(o in objects: (o.kind == Kind.wall or o.kind == Kind.goal) and not o.carried and on_grid(o)"
    " and not obj_at(o, agent.x, agent.y)) and agent.carrying == Kind.none and agent.x >= 0 and agent.y >= 0"
)


def spec_for(env_id: str, episodes: int, seed: int, transitions: int | None = None) -> Spec:
    schema = check_file(PRIOR).schema
    records = list(collect(env_id, episodes, seed, max_steps=100))[:transitions]
    data = tuple(
        (i + 1, transition_from_json(schema, r, f"line {i + 1}")) for i, r in enumerate(records)
    )
    env = make_env(env_id)
    state, mission = env.reset(seed=seed + 1000)
    return Spec(
        data, (PRIOR,), Optimism(((state_from_json(schema, state), Mission.of(mission)),), 20)
    )


def test_empty_model_is_learned_exactly(tmp_path: Path) -> None:
    spec = spec_for("MiniGrid-Empty-5x5-v0", 5, 0)
    result = synthesize(spec, "enum")
    assert result.consistent and result.optimistic and not result.failing
    out = tmp_path / "empty.wc"
    out.write_text(program_text(spec, result.text, out))
    learned = check_file(out)
    # Held-out episodes of other seeds: every step agrees with the real environment.
    agreement = play_and_validate(learned, "MiniGrid-Empty-5x5-v0", 10, 500)
    assert agreement.fraction == 1.0, agreement.first_mismatch
    # And the solver proves it equivalent to the reference model on every Empty-like state of a
    # walled 5x5 grid with up to 2 more objects (kinds present in Empty: walls and a goal).
    reference = check_modules([*load_modules(ROOT / "models" / "minigrid.wc"),
                               parse_module(f"def empty_state() -> bool = {EMPTY_STATES}", "<assume>")])  # fmt: skip
    proof = equivalent(reference, learned, Bounds(5, 5, 2, walls=True), Mission.of("get to the green goal square"),
                       assume="empty_state")  # fmt: skip
    assert proof.status == "equivalent", proof.state


@pytest.mark.parametrize(
    ("env_id", "transitions", "why"),
    [
        # 30k random transitions: the first toggle of a closed, unlocked door without the key
        # comes at transition 27,453 of this dataset (measured); with less data "toggle opens
        # an unlocked door" is not in the data and the learner cannot know it.
        ("MiniGrid-DoorKey-5x5-v0", 30_000, "door reopened without the key"),
        # Unlock ends when the door opens, so 5k transitions hold every effect there is.
        ("MiniGrid-Unlock-v0", 5_000, "every Unlock effect"),
    ],
)
def test_model_is_learned_and_proved(
    env_id: str, transitions: int, why: str, tmp_path: Path
) -> None:
    spec = spec_for(env_id, transitions // 50, 0, transitions)
    assert len(spec.data) == transitions, why
    result = synthesize(spec, "enum")
    assert result.consistent and result.optimistic and not result.failing, result.text
    out = tmp_path / "learned.wc"
    out.write_text(program_text(spec, result.text, out))
    learned = check_file(out)
    assert play_and_validate(learned, env_id, 10, 500).fraction == 1.0
    # Proved equivalent to models/minigrid.wc on every state of the grid (border walls and up
    # to 3 more objects) that keeps to what the data show: the kind/colour/flag combinations
    # seen (a yellow key, a grey wall), at most as many doors and keys as seen, well-formed.
    states = [t.state for _, t in spec.data]
    verdict = check_model(learned, env_id, spec.data[0][1].mission, states, timeout=300)
    assert verdict.status == "equivalent", (result.text, verdict.counterexample)
