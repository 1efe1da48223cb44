"""ModelEnv: a DSL model behind the gymnasium API passes gymnasium's own environment checker."""

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
    env = ModelEnv(program, state_from_json(program.schema, state), Mission.of(mission))
    check_env(env, skip_render_check=True)
    env.reset(seed=0)
    plan = ["forward", "forward", "right", "forward", "forward"]
    for i, name in enumerate(plan):
        _, reward, terminated, truncated, _ = env.step(env.actions.index(name))
        assert terminated == (i == len(plan) - 1) and not truncated
    assert reward == 1.0
