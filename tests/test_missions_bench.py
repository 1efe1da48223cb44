"""The missions bench (`bench/missions.py`) on a tiny case: GoToDoor-5x5, one or two training
missions, a few episodes. The held-out missions are not the training ones, the scores come from
the model's predictions on real transitions, and a reward that names a training mission's colour
(right on its training data) scores below 1 on the held-out missions."""

from __future__ import annotations

import random
from pathlib import Path

from bench.missions import (
    FAMILIES,
    decoy,
    heldout,
    ks_of,
    missions_needed,
    run_job,
    score_reward_done,
    summarize,
    target,
    target_words,
    training,
)
from dsl.check import check_file
from worldcoder.domains import env_domain
from worldcoder.envs import make_env

ENV = FAMILIES["GoToDoor"]


def _reference_with(tmp_path: Path, reward: str) -> Path:
    """The reference MiniGrid model with another `reward :=` rule."""
    text = env_domain(ENV).reference_path.read_text()
    old = "reward := if success() then 1 else 0"
    assert old in text
    path = tmp_path / "model.wc"
    path.write_text(text.replace('import "minigrid_hint.wc"', "import minigrid_hint")
                    .replace(old, f"reward := {reward}"))  # fmt: skip
    return path


def test_training_covers_exactly_k_missions_and_heldout_none_of_them() -> None:
    names = target_words()
    train = training("GoToDoor", 2, 0, 2)
    test = heldout("GoToDoor", 0, 6, train.targets)
    assert len(train.targets) == 2 and len(train.seeds) == 4
    assert {target(r["mission"], names) for r in train.records} == set(train.targets)
    assert test.targets and not set(test.targets) & set(train.targets)
    assert {target(r["mission"], names) for r in test.records} == set(test.targets)
    assert not set(test.seeds) & set(train.seeds)
    assert any(r["reward"] > 0 for r in test.records)


def test_a_mission_specific_reward_is_right_on_training_and_wrong_held_out(
    tmp_path: Path,
) -> None:
    train = training("GoToDoor", 1, 0, 2)
    test = heldout("GoToDoor", 0, 6, train.targets)
    colour = train.targets[0][0]
    reference = check_file(env_domain(ENV).reference_path)
    narrow = check_file(
        _reference_with(tmp_path, f'if success() and has_word("{colour}") then 1 else 0')
    )
    assert score_reward_done(reference, test.records)["all_right"]
    assert score_reward_done(narrow, train.records)["all_right"]
    scored = score_reward_done(narrow, test.records)
    assert not scored["all_right"] and 0 < scored["fraction"] < 1
    assert scored["rewarded"] > 0 and scored["rewarded_right"] == 0
    assert scored["right"] == round(scored["fraction"] * scored["transitions"])


def test_decoy_names_another_object_of_the_same_sort() -> None:
    names = target_words()
    env = make_env(FAMILIES["PutNear"])
    try:
        state, mission = env.reset(seed=3)
    finally:
        env.close()
    swapped = decoy(mission, state, names, random.Random(0))
    assert sorted(target(swapped, names)) == sorted(target(mission, names))
    assert target(swapped, names) != target(mission, names)


def test_a_tiny_job_scores_real_predictions(tmp_path: Path) -> None:
    params = {"family": "GoToDoor", "prior": "perception", "k": 1, "seed": 0, "seconds": 10.0,
              "episodes_per_mission": 2, "heldout_episodes": 3}  # fmt: skip
    result = run_job(params)
    assert len(result["training_targets"]) == 1
    assert result["training_targets"][0] not in result["heldout_targets"]
    scored = result["heldout"]
    assert 0.0 <= scored["fraction"] <= 1.0 and scored["transitions"] > 0
    assert scored["all_right"] == (scored["right"] == scored["transitions"])
    assert result["rules"]["reward"] and result["rules"]["done"]
    summary = summarize([{"params": params, "result": result}], tmp_path, quick=True)
    [row] = summary["table"]
    assert row["missions_needed"] == (1 if scored["all_right"] else None)
    assert (tmp_path / "missions-quick.png").stat().st_size > 0


def test_a_reward_learned_from_four_fetch_missions_holds_on_others() -> None:
    """The perception prior names what the mission names (`holds_named`): a reward learned from
    four Fetch missions is right on every held-out one. Without it the reward's atoms (at most
    three nodes) could only name kinds and colours by constant, and fit the training missions."""
    params = {"family": "Fetch", "prior": "perception", "k": 4, "seed": 0, "seconds": 30.0,
              "episodes_per_mission": 3, "heldout_episodes": 10}  # fmt: skip
    result = run_job(params)
    scored = result["heldout"]
    assert result["consistent"] and scored["rewarded"] > 0
    assert scored["rewarded_right"] == scored["rewarded"] and scored["all_right"]


def test_missions_needed_is_the_smallest_k_from_which_on_all_are_right() -> None:
    assert missions_needed({1: False, 2: True, 4: True}) == 2
    assert missions_needed({1: True, 2: False, 4: True}) == 4
    assert missions_needed({1: True, 2: True, 4: False}) is None
    assert ks_of("GoToDoor") == (1, 2, 4, 5) and ks_of("GoToObject") == (1, 2, 4, 8, 16)
