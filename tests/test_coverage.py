"""Short validation runs of each family added by issue 20 (the reference model against the real
environment, on random and on solution-following episodes), and the coverage table itself."""

from __future__ import annotations

from functools import cache
from random import Random

import gymnasium
import pytest

from bench.validate_models import guided_records, random_records
from dsl import core as C
from dsl.check import check_file
from worldcoder.domains import domain
from worldcoder.envs import SUPPORTED_ENVS, EnvError, EnvUsageError, make_env
from worldcoder.envs.babyai_env import BabyAIObjectEnv
from worldcoder.envs.coverage import FAMILIES, coverage, family_of
from worldcoder.validate import validate_model

NEW_MINIGRID = ("LockedRoom", "DistShift", "Playground", "Memory", "ObstructedMaze-Dl")


@cache
def reference(name: str) -> C.Program:
    return check_file(domain(name).reference_path)


def test_every_registered_id_has_a_family_and_a_status() -> None:
    registered = {k for k in gymnasium.envs.registry if k.startswith(("MiniGrid-", "BabyAI-"))}
    rows = {r.env_id: r for r in coverage()}
    assert set(rows) == registered
    for env_id, row in rows.items():
        assert family_of(env_id) is not None, env_id
        assert row.supported == (env_id in SUPPORTED_ENVS), env_id
        assert row.status.startswith(("validated", "unsupported: ")), row
    assert {f.name for f in FAMILIES} == {r.family for r in rows.values()}


@pytest.mark.parametrize("family", NEW_MINIGRID)
def test_new_minigrid_family_validates(family: str) -> None:
    program = reference("minigrid")
    for kind, records in (
        ("random", list(random_records(family, 4, 0))),
        ("guided", list(guided_records(family, 4, 100_000))),
    ):
        agreement = validate_model(program, records)
        assert agreement.steps > 0
        assert agreement.first_mismatch is None, (kind, agreement.first_mismatch.render())
    if family not in ("Playground",):
        assert any(r["reward"] > 0 for r in guided_records(family, 4, 100_000)), family


# (env id, the mission text that shows the instruction form, guided episodes)
BABYAI_FORMS = {
    "go to": ("BabyAI-GoToObj-v0", "go to", 4),
    "go to (doors, many rooms)": ("BabyAI-GoToObjDoor-v0", "go to", 3),
    "pick up (locations)": ("BabyAI-PickupLoc-v0", "pick up", 4),
    "pick up (strict)": ("BabyAI-PickupDistDebug-v0", "pick up", 4),
    "open": ("BabyAI-OpenDoor-v0", "open", 4),
    "open (key hidden in a box)": ("BabyAI-KeyInBox-v0", "open", 3),
    "put next to": ("BabyAI-PutNextLocal-v0", "next to", 4),
    "put next to (start carrying)": ("BabyAI-PutNextS5N2Carrying-v0", "next to", 3),
    "then (strict)": ("BabyAI-OpenRedBlueDoorsDebug-v0", ", then", 4),
    "then (put, put)": ("BabyAI-MoveTwoAcrossS5N2-v0", ", then", 2),
    "after you": ("BabyAI-OpenDoorsOrderN2-v0", "after you", 6),
    "unlock": ("BabyAI-UnlockLocal-v0", "open", 3),
    "obstructed maze": ("MiniGrid-ObstructedMaze-1Dlhb-v0", "pick up", 2),
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("form", BABYAI_FORMS)
def test_babyai_instruction_form_validates(form: str) -> None:
    env_id, words, episodes = BABYAI_FORMS[form]
    program = reference("babyai")
    random = list(random_records(env_id, 3, 0))
    guided = list(guided_records(env_id, episodes, 100_000))
    for kind, records in (("random", random), ("guided", guided)):
        agreement = validate_model(program, records)
        assert agreement.steps > 0
        assert agreement.first_mismatch is None, (kind, agreement.first_mismatch.render())
    assert any(words in r["mission"] for r in guided), [r["mission"] for r in guided[:1]]
    assert any(r["reward"] > 0 for r in guided), env_id


def test_and_instructions_validate_on_bosslevel_seeds() -> None:
    """`A and B` only occurs in BossLevel-like levels, whose deeper instructions are unsupported:
    the two-clause `and` episodes among their seeds are validated directly."""
    program = reference("babyai")
    env = BabyAIObjectEnv("BabyAI-BossLevel-v0", max_steps=60)
    rng = Random(3)
    records: list[dict[str, object]] = []
    try:
        for seed in range(40):
            try:
                state, mission = env.reset(seed=seed)
            except EnvError:
                continue  # three or four clauses
            if " and " not in mission:
                continue
            for step in range(60):
                action = rng.choice(env.actions)
                result = env.step(action)
                records.append({
                    "state": state, "action": action, "next_state": result.state,
                    "reward": result.reward, "done": result.terminated, "mission": mission,
                    "episode": seed, "step": step,
                })  # fmt: skip
                if result.terminated or result.truncated:
                    break
                state = result.state
    finally:
        env.close()
    assert len({r["episode"] for r in records}) >= 3
    agreement = validate_model(program, records)
    assert agreement.first_mismatch is None, agreement.first_mismatch.render()


def test_deeper_instructions_are_unsupported_with_their_reason() -> None:
    with pytest.raises(EnvUsageError, match="three or four clauses"):
        make_env("BabyAI-BossLevel-v0")
    assert "BabyAI-GoToObj-v0" in SUPPORTED_ENVS
    assert "MiniGrid-ObstructedMaze-Full-v1" in SUPPORTED_ENVS


def test_new_worlds_bench_counts_ten_successes_in_a_row() -> None:
    from bench.new_worlds import ENVS, jobs, streak_end

    wins = [(10 * (i + 1), 1.0) for i in range(12)]
    assert streak_end(wins) == 100
    assert streak_end([(5, 0.0), *wins[:9], (200, 0.0), *wins[:9]]) is None
    assert streak_end([(5, 0.0), *wins]) == 100
    keys = {j.key for j in jobs(False)}
    assert {f"{m}/{e}/seed{s}" for m in ("ours", "ppo") for e in ENVS for s in (0, 1, 2)} == keys
    assert set(ENVS) <= set(SUPPORTED_ENVS)


def test_a_babyai_frame_draws_the_box_not_the_key_hidden_in_it() -> None:
    from dsl.values import state_from_json
    from worldcoder.render import text_frame

    env = make_env("BabyAI-KeyInBox-v0")
    try:
        state, _ = env.reset(seed=0)
    finally:
        env.close()
    hidden = [o for o in state["objects"] if o["inside"]]
    assert [o["kind"] for o in hidden] == ["key"]
    schema = reference("babyai").schema
    frame = text_frame(schema, state_from_json(schema, state), "babyai")
    assert "B" in frame and "K" not in frame and "#" in frame
