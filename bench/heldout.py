"""Held-out evaluation of a policy (the evaluation protocol's measuring stick, shared by every method).

A policy is evaluated on `EVAL_EPISODES` = 100 episodes whose env seeds (`HELDOUT_SEED` + i) are
disjoint from every training seed (a learning run plays seeds seed, seed + 1, ...). Evaluation
steps are never counted as training steps. Two criteria, both read from one evaluation:

- (a) solved: the policy's episodes end with a reward on at least `SOLVED` = 95% of them;
- (b) near-optimal: the mean return is at least `OPTIMAL` = 90% of the mean optimal return
  (MiniGrid's return is 1 - 0.9 * steps / max_steps; the optimal one comes from the oracle's
  shortest plan: BFS in the domain's reference model, which `worldcoder validate` checks against
  the simulator with 0 mismatches).

An evaluation stops early once neither criterion can still hold (more than 5 failures, and the
return bound below 90% even if every remaining episode were optimal): a bad policy costs a few
episodes, not a hundred.

Our policy with a model: plan in the model with the run's planner (same horizon and node budget
as the agent), act; when the real step differs from the model's prediction, plan again from the
real state; no plan is a failed episode (the policy does not learn while evaluated).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

EVAL_EPISODES = 100
HELDOUT_SEED = 2_000_000
SOLVED = 0.95
OPTIMAL = 0.90


@dataclass(frozen=True)
class Evaluation:
    """One policy's held-out figures; `episodes` < EVAL_EPISODES when stopped early."""

    episodes: int
    successes: int
    mean_return: float
    optimal_mean_return: float
    solved: bool
    near_optimal: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "episodes": self.episodes,
            "successes": self.successes,
            "mean_return": round(self.mean_return, 4),
            "optimal_mean_return": round(self.optimal_mean_return, 4),
            "solved": self.solved,
            "near_optimal": self.near_optimal,
        }


Episode = Callable[[int], float]
"""Plays the held-out episode of one env seed with the policy; its (raw MiniGrid) return."""


def heldout_seeds(n: int = EVAL_EPISODES) -> list[int]:
    return [HELDOUT_SEED + i for i in range(n)]


def evaluate(play: Episode, optimal: Sequence[float]) -> Evaluation:
    """Play the held-out episodes in order (`optimal[i]`: the optimal return of episode i),
    stopping as soon as neither criterion can hold."""
    n = len(optimal)
    total_optimal = sum(optimal)
    returns: list[float] = []
    for i, seed in enumerate(heldout_seeds(n)):
        returns.append(play(seed))
        failures = sum(r <= 0 for r in returns)
        bound = sum(returns) + sum(optimal[i + 1 :])
        if failures > n - SOLVED * n and bound < OPTIMAL * total_optimal:
            break
    played = len(returns)
    successes = sum(r > 0 for r in returns)
    mean = sum(returns) / played
    mean_optimal = total_optimal / n
    return Evaluation(
        played,
        successes,
        mean,
        mean_optimal,
        solved=played == n and successes >= SOLVED * n,
        near_optimal=played == n and sum(returns) >= OPTIMAL * total_optimal,
    )


def minigrid_return(steps: int, max_steps: int) -> float:
    """MiniGrid's reward for reaching the goal after `steps` steps."""
    return 1 - 0.9 * (steps / max_steps)


@cache
def optimal_returns(env_id: str, n: int = EVAL_EPISODES) -> tuple[float, ...]:
    """The optimal return of each held-out episode: the reference model's shortest plan from its
    start (BFS), scored by MiniGrid's reward formula; 0 where no plan exists within max_steps."""
    from dsl.check import check_file
    from dsl.compile import compile_program
    from dsl.values import Mission, state_from_json
    from plan import bfs_plan
    from worldcoder.domains import env_domain
    from worldcoder.envs import make_env

    program = check_file(env_domain(env_id).reference_path)
    model = compile_program(program)
    env = make_env(env_id)
    out = []
    for seed in heldout_seeds(n):
        state_json, mission = env.reset(seed=seed)
        max_steps = max_steps_of(env)
        found = bfs_plan(model, state_from_json(program.schema, state_json), Mission.of(mission),
                         max_steps, max_nodes=2_000_000, timeout=120.0)  # fmt: skip
        out.append(minigrid_return(len(found.plan), max_steps) if found.status == "sat" else 0.0)
    env.close()
    return tuple(out)


def max_steps_of(env: Any) -> int:
    """The episode's step limit (MiniGrid adapters expose the `MiniGridEnv` as `unwrapped`)."""
    return int(env.unwrapped.max_steps)


def model_player(model_path: str, env_id: str, config: dict[str, Any]) -> Episode:
    """Our policy for one accepted model file: plan in it, act, replan on a wrong prediction."""
    from dsl.check import check_file
    from dsl.compile import compile_program
    from dsl.values import Mission, state_from_json
    from plan import run_planner
    from worldcoder.envs import make_env

    program = check_file(model_path)
    model = compile_program(program)
    env = make_env(env_id)

    def play(seed: int) -> float:
        state_json, text = env.reset(seed=seed)
        mission = Mission.of(text)
        state = state_from_json(program.schema, state_json)
        plan: list[str] = []
        for _ in range(max_steps_of(env) + 1):
            if not plan:
                search = run_planner(config.get("planner", "bfs"), model, state, mission,
                                     int(config.get("horizon", 40)),
                                     max_nodes=int(config.get("max_nodes", 300_000)),
                                     timeout=30.0, seed=0)  # fmt: skip
                if search.status != "sat" or not search.plan:
                    return 0.0
                plan = list(search.plan)
            action = plan.pop(0)
            predicted = model.step(state, action, mission).next_state
            out = env.step(action)
            state = state_from_json(program.schema, out.state)
            if out.terminated or out.truncated:
                return out.raw_reward if out.raw_reward > 0 else 0.0
            if state != predicted:
                plan = []
        return 0.0

    return play
