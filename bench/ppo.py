"""The PPO baseline of the sample-efficiency bench: stable-baselines3 PPO on a MiniGrid env,
stopped at a near-optimal policy, at the step budget or at a wall-clock cap.

Observation: MiniGrid's egocentric 7x7x3 view (`minigrid.wrappers.ImgObsWrapper`) flattened to
147 inputs (`gymnasium.wrappers.FlattenObservation`) for an `MlpPolicy`. Each of the `n_envs`
copies is wrapped in `Monitor` (inside the wrappers and `VecNormalize`, so it records the raw
MiniGrid return) and stepped in one `DummyVecEnv` (one process, one torch thread).

Hyperparameters: rl-baselines3-zoo, hyperparams/ppo.yml (commit 208b6fdf), the `minigrid-defaults`
anchor ("Following https://github.com/lcswillems/rl-starter-files"; used there for Empty-Random-5x5,
DoorKey-5x5, Unlock, KeyCorridorS3R1, MultiRoom-N4-S5, ...): normalize: true, n_envs: 8,
policy: MlpPolicy, n_steps: 128, batch_size: 64, gae_lambda: 0.95, gamma: 0.99, n_epochs: 10,
ent_coef: 0.0, learning_rate: 2.5e-4, clip_range: 0.2; MiniGrid-FourRooms-v0 overrides
n_steps: 512. (The zoo flattens with `FlatObsWrapper`, which also encodes the mission text; the
issue asks for the 7x7x3 view alone.) One change: `normalize: true` is VecNormalize of observations
and rewards; we normalise rewards only (`norm_obs=False`), because with observation normalisation
PPO did not learn Empty-5x5 at all on this machine (mean return 0.2-0.3, the random policy's, over
100k steps, seeds 0 and 1: the view's features that are constant early get a near-zero variance and
blow up when they first change), while without it, it solved Empty-5x5 within 10k steps.

`EpisodeLog` (a callback) appends (total env steps, return, env index) for every finished
episode, in the order the vectorised envs finish them; "total env steps" is `num_timesteps` after the vector step
in which the episode ended (so it counts the steps of all `n_envs` copies, at most n_envs - 1
more than the exact count). Training stops as soon as the mean return of the last `window`
episodes reaches `target`, or when `budget` steps or `wall_seconds` are used up.

Measured with stable-baselines3 2.9.2, torch 2.13.0 (CPU), gymnasium 1.4.0, minigrid 3.2.0.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.runs import near_optimal

ZOO_HYPERPARAMS: dict[str, Any] = {
    "n_steps": 128,
    "batch_size": 64,
    "gae_lambda": 0.95,
    "gamma": 0.99,
    "n_epochs": 10,
    "ent_coef": 0.0,
    "learning_rate": 2.5e-4,
    "clip_range": 0.2,
}
ZOO_OVERRIDES: dict[str, dict[str, Any]] = {"MiniGrid-FourRooms-v0": {"n_steps": 512}}


@dataclass(frozen=True)
class PpoRun:
    env_id: str
    seed: int
    budget: int
    """Env steps (all copies together) after which training stops: "not solved"."""
    wall_seconds: float
    n_envs: int = 8
    window: int = 100
    target: float = 0.8
    norm_obs: bool = False
    hyperparams: dict[str, Any] = field(default_factory=dict)
    """Overrides of the zoo's hyperparameters (the bench uses none)."""
    full_obs: bool = False
    """See the whole grid (minigrid's `FullyObsWrapper`: width x height x 3) instead of the
    egocentric 7x7x3 view: the fair baseline beside our learner, which sees the full state."""
    eval_every: int | None = None
    """Evaluate the deterministic policy on the held-out episodes (`bench.heldout`) every this
    many env steps, and stop once it is solved and near-optimal there (the evaluation protocol)
    instead of at the training window's mean return."""


def hyperparams(run: PpoRun) -> dict[str, Any]:
    return {**ZOO_HYPERPARAMS, **ZOO_OVERRIDES.get(run.env_id, {}), **run.hyperparams}


def observation(env: Any, full_obs: bool = False) -> Any:
    """The env seen as PPO sees it: the flattened 7x7x3 view, or the flattened full grid."""
    from gymnasium.wrappers import FlattenObservation
    from minigrid.wrappers import FullyObsWrapper, ImgObsWrapper

    return FlattenObservation(ImgObsWrapper(FullyObsWrapper(env) if full_obs else env))


def make_envs(
    env_id: str, n_envs: int, seed: int, norm_obs: bool = False, full_obs: bool = False
) -> Any:
    """`n_envs` monitored copies of the env with a flattened view (egocentric 7x7x3, or the full
    grid with `full_obs`), in a VecNormalize (rewards always, observations if `norm_obs`)."""
    import minigrid  # noqa: F401  (registers the MiniGrid ids)
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    def wrap(env: Any) -> Any:
        return observation(env, full_obs)

    venv = make_vec_env(env_id, n_envs=n_envs, seed=seed, wrapper_class=wrap,
                        vec_env_cls=DummyVecEnv)  # fmt: skip
    return VecNormalize(venv, norm_obs=norm_obs)


def episode_log_class() -> Any:
    """The callback class (built here so that importing this module does not import torch)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class EpisodeLog(BaseCallback):  # type: ignore[misc]
        def __init__(self, run: PpoRun) -> None:
            super().__init__()
            self.run = run
            self.episodes: list[tuple[int, float, int]] = []
            self.recent: deque[float] = deque(maxlen=run.window)
            self.first_success_step: int | None = None
            self.near_optimal_step: int | None = None
            self.deadline = time.perf_counter() + run.wall_seconds
            self.capped = False

            self.evaluations: list[tuple[int, dict[str, Any]]] = []
            self.next_eval = run.eval_every or 0
            self.eval_seconds = 0.0
            self.player: Callable[[int], float] | None = None
            """The deterministic policy on held-out seeds (one evaluation env for the run)."""

        def _on_step(self) -> bool:
            for i, info in enumerate(self.locals["infos"]):
                if "episode" in info:
                    self._episode(float(info["episode"]["r"]), i)
            if self.run.eval_every is not None:
                if self.num_timesteps >= self.next_eval and self._evaluate():
                    return False
            elif self.near_optimal_step is not None:
                return False
            if self.num_timesteps >= self.run.budget:
                return False
            self.capped = time.perf_counter() > self.deadline
            return not self.capped

        def _evaluate(self) -> bool:
            """Evaluate the current deterministic policy held out; whether both criteria hold."""
            from bench.heldout import evaluate, optimal_returns

            assert self.run.eval_every is not None
            t0 = time.perf_counter()
            if self.player is None:
                self.player = ppo_player(self.model, self.run)
            done = evaluate(self.player, optimal_returns(self.run.env_id))
            self.eval_seconds += time.perf_counter() - t0
            self.evaluations.append((self.num_timesteps, done.as_dict()))
            self.next_eval = self.num_timesteps + self.run.eval_every
            return done.solved and done.near_optimal

        def _episode(self, ret: float, env_index: int) -> None:
            self.episodes.append((self.num_timesteps, ret, env_index))
            self.recent.append(ret)
            if ret > 0 and self.first_success_step is None:
                self.first_success_step = self.num_timesteps
            reached = near_optimal(self.recent, self.run.window, self.run.target)
            if reached and self.near_optimal_step is None:
                self.near_optimal_step = self.num_timesteps

    return EpisodeLog


def ppo_player(model: Any, run: PpoRun) -> Callable[[int], float]:
    """PPO's deterministic policy on one held-out env seed: its raw MiniGrid return."""
    import gymnasium

    env = observation(gymnasium.make(run.env_id, render_mode=None), run.full_obs)

    def play(seed: int) -> float:
        obs, _ = env.reset(seed=seed)
        while True:
            action, _ = model.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, _ = env.step(int(action))
            if terminated or truncated:
                return float(reward)

    return play


@dataclass(frozen=True)
class PpoOutcome:
    figures: dict[str, Any]
    """The measured figures (JSON-able)."""
    episodes: list[tuple[int, float, int]]
    """The callback's log: (total env steps, return, env index) per finished episode."""
    monitors: list[tuple[list[float], list[int]]]
    """Each env copy's Monitor record: its episode returns and lengths."""


def train(run: PpoRun) -> PpoOutcome:
    """Trains until near-optimal, the budget or the wall cap."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.logger import Logger

    torch.set_num_threads(1)
    venv = make_envs(run.env_id, run.n_envs, run.seed, run.norm_obs, run.full_obs)
    model = PPO("MlpPolicy", venv, seed=run.seed, device="cpu", verbose=0, **hyperparams(run))
    model.set_logger(Logger(folder=None, output_formats=[]))  # else SB3 leaves a dir in /tmp
    log = episode_log_class()(run)
    t0 = time.perf_counter()
    model.learn(total_timesteps=run.budget, callback=log)
    seconds = time.perf_counter() - t0
    monitors = list(
        zip(venv.get_attr("episode_returns"), venv.get_attr("episode_lengths"), strict=True)
    )
    venv.close()
    return PpoOutcome(_figures(run, log, int(model.num_timesteps), seconds), log.episodes, monitors)


def _figures(run: PpoRun, log: Any, steps: int, seconds: float) -> dict[str, Any]:
    returns = [r for _, r, _ in log.episodes]
    recent = returns[-run.window :]
    return {
        "steps_to_first_success": log.first_success_step,
        "steps_to_near_optimal": log.near_optimal_step,
        "total_env_steps": steps,
        "episodes": len(returns),
        "successes": sum(r > 0 for r in returns),
        "last_mean_return": round(sum(recent) / len(recent), 4) if recent else None,
        "wall_seconds": round(seconds, 2),
        "fps": round(steps / seconds, 1) if seconds > 0 else None,
        "capped": log.capped,
        "hyperparams": hyperparams(run),
        "full_obs": run.full_obs,
        **_protocol_figures(log),
    }


def _protocol_figures(log: Any) -> dict[str, Any]:
    """The evaluation protocol's figures: training steps at the first evaluation that was
    solved / near-optimal, and every evaluation (steps, figures)."""
    if not log.run.eval_every:
        return {}
    evals = log.evaluations
    return {
        "eval_every": log.run.eval_every,
        "steps_to_heldout_solved": next((s for s, e in evals if e["solved"]), None),
        "steps_to_heldout_near_optimal": next((s for s, e in evals if e["near_optimal"]), None),
        "evaluations": len(evals),
        "eval_seconds": round(log.eval_seconds, 2),
        "evaluation_log": [[s, e["episodes"], e["successes"], e["mean_return"]] for s, e in evals],
    }
