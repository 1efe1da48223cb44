"""ModelEnv: a DSL model behind the gymnasium API passes gymnasium's own environment checker, and
draws its start states as the real environment does."""

from __future__ import annotations

from pathlib import Path

from gymnasium.utils.env_checker import check_env

from dsl.check import check_file
from dsl.values import Mission, state_from_json
from worldcoder.envs import make_env
from worldcoder.model_env import ModelEnv

ROOT = Path(__file__).resolve().parents[1]


def test_model_env_passes_the_checker_and_reaches_the_goal() -> None:
    program = check_file(ROOT / "models" / "minigrid.wc")
    state, mission = make_env("MiniGrid-Empty-5x5-v0").reset(seed=0)
    env = ModelEnv(program, (state_from_json(program.schema, state), Mission.of(mission)))
    check_env(env, skip_render_check=True)
    env.reset(seed=0)
    plan = ["forward", "forward", "right", "forward", "forward"]
    for i, name in enumerate(plan):
        _, reward, terminated, truncated, _ = env.step(env.actions.index(name))
        assert terminated == (i == len(plan) - 1) and not truncated
    assert reward == 1.0


RANDOM_START = "MiniGrid-Empty-Random-5x5-v0"


def test_reset_with_a_seed_starts_where_the_real_env_starts() -> None:
    program = check_file(ROOT / "models" / "minigrid.wc")
    env = ModelEnv(program, make_env(RANDOM_START))
    check_env(env, skip_render_check=True)
    real = make_env(RANDOM_START)
    starts = set()
    for seed in range(12):
        obs, info = env.reset(seed=seed)
        state, mission = real.reset(seed=seed)
        assert (obs == env.observe(state_from_json(program.schema, state))).all(), seed
        assert info["mission"] == mission
        assert (env.reset(seed=seed)[0] == obs).all()  # the same seed, the same start
        starts.add(tuple(obs))
    assert len(starts) > 1  # the real env's starts vary with the seed, so do the model env's


def test_unseeded_resets_follow_the_real_envs_sequence() -> None:
    program = check_file(ROOT / "models" / "minigrid.wc")
    env, real = ModelEnv(program, make_env(RANDOM_START)), make_env(RANDOM_START)
    env.reset(seed=3)
    real.reset(seed=3)
    for _ in range(5):
        state, _ = real.reset()
        assert (env.reset()[0] == env.observe(state_from_json(program.schema, state))).all()
