"""`worldcoder play`: solve one episode of a real environment by planning in a fixed model.

Owns the command's flags, `play` (reset, plan in the model, act in the real environment step by
step, replan when the environment does not do what the model predicted) and its `Episode`
record. Every step is shown as a text frame (`worldcoder.render`); `--gif F` also writes an
animation. Exit status 0 when the episode ends with a positive reward, 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dsl.check import check_file
from dsl.compile import CompiledModel, compile_program
from dsl.values import DataError, Mission, State, state_from_json
from plan import PLANNERS, planner_problem, run_planner
from worldcoder.argtypes import seconds
from worldcoder.envs import ObjectEnv, make_env
from worldcoder.envs.sokoban import LEVEL_SET_NAMES
from worldcoder.render import STYLES, rgb_frame, text_frame, text_image, write_gif

STEP_LIMIT = 1_000
"""Steps played when neither --max-steps nor the environment ends the episode sooner."""


def add_play_parser(sub: Any, positive: Any, natural: Any) -> None:
    p = sub.add_parser("play", help="plan with a fixed model and play one episode, as text frames")
    p.add_argument("model", type=Path, metavar="MODEL.wc", help="the model to plan in")
    p.add_argument("--env", required=True,
                   help="environment id, e.g. MiniGrid-DoorKey-5x5-v0 (see `worldcoder envs`)")  # fmt: skip
    p.add_argument("--seed", type=natural, default=0, help="seed of the episode")
    p.add_argument(
        "--planner", choices=PLANNERS, default="bfs", help="how plans are searched in the model"
    )
    p.add_argument("--horizon", type=positive, default=60, help="longest plan searched for")
    p.add_argument("--max-nodes", type=positive, default=2_000_000, help="budget of each plan")
    p.add_argument("--timeout", type=seconds, default=60.0, help="seconds per plan")
    p.add_argument("--max-steps", type=positive, default=None, help="truncate after N steps")
    p.add_argument("--gif", type=Path, default=None, metavar="F", help="write an animation")
    p.add_argument(
        "--level-file",
        default=None,
        metavar="FILE|SET",
        help=f"Sokoban: a Boxoban-format level file, or a shipped level set ({LEVEL_SET_NAMES}) (default: bundled level 0)",
    )
    p.add_argument("--level", type=natural, default=None, help="Sokoban: level index in the file")
    p.set_defaults(run=cmd_play)


@dataclass(frozen=True)
class PlayOptions:
    seed: int = 0
    planner: str = "bfs"
    horizon: int = 60
    max_nodes: int = 2_000_000
    timeout: float = 60.0
    step_limit: int = STEP_LIMIT
    pictures: bool = False


@dataclass(frozen=True)
class Episode:
    steps: int
    reward: float
    success: bool
    plans: int
    mispredictions: int
    outcome: str
    pictures: tuple[np.ndarray[Any, Any], ...] = ()


def cmd_play(args: argparse.Namespace) -> int:
    if args.gif is not None and (problem := _gif_problem(args.gif)):
        print(f"error: --gif {args.gif}: {problem}", file=sys.stderr)
        return 2
    model = compile_program(check_file(args.model))
    env = make_env(args.env, max_steps=args.max_steps, level_file=args.level_file, level=args.level)
    if problem := planner_problem(args.planner, args.env, env.domain):
        env.close()
        print(f"error: {problem}", file=sys.stderr)
        return 2
    options = PlayOptions(args.seed, args.planner, args.horizon, args.max_nodes, args.timeout,
                          args.max_steps or STEP_LIMIT, args.gif is not None)  # fmt: skip
    try:
        episode = play(model, env, options, print)
    except DataError as err:
        raise DataError(f"{args.model} does not describe {args.env} states: {err}") from None
    finally:
        env.close()
    if args.gif is not None and episode.pictures:
        write_gif(args.gif, episode.pictures)
    print(
        f"{args.env} seed {args.seed}: {episode.outcome} after {episode.steps} steps "
        f"(reward {episode.reward:g}, {episode.plans} plans with {args.planner}, "
        f"{episode.mispredictions} mispredicted steps)"
        + (f"; wrote {args.gif}" if args.gif else "")
    )
    return 0 if episode.success else 1


def _gif_problem(path: Path) -> str:
    """Why an animation cannot be written to `path`, or ""."""
    if importlib.util.find_spec("PIL") is None:
        return "writing GIFs needs Pillow (pip install pillow)"
    if not path.resolve().parent.is_dir():
        return f"no such directory: {path.resolve().parent}"
    return ""


def play(model: CompiledModel, env: ObjectEnv, options: PlayOptions, show: Callable[[str], None]) -> Episode:  # fmt: skip
    """One episode: plan in the model, act in `env`, replan after every misprediction."""
    schema = model.program.schema
    state_json, text = env.reset(seed=options.seed)
    state, mission = state_from_json(schema, state_json), Mission.of(text)
    show(f"mission: {text}\nlegend: {STYLES[env.domain].legend if env.domain in STYLES else ''}")
    pictures: list[np.ndarray[Any, Any]] = []
    _frame(model, env, state, "start", options, show, pictures)
    plan: list[str] = []
    plans = mispredicted = 0
    for step in range(1, options.step_limit + 1):
        if not plan:
            search = run_planner(options.planner, model, state, mission, options.horizon,
                                 max_nodes=options.max_nodes, timeout=options.timeout,
                                 seed=options.seed)  # fmt: skip
            plans += 1
            if search.status != "sat":
                show(f"no plan ({search.status}{': ' + search.reason if search.reason else ''})")
                return Episode(
                    step - 1, 0.0, False, plans, mispredicted, "no plan", tuple(pictures)
                )
            plan = list(search.plan)
            show(f"plan {plans} ({len(plan)} actions): {' '.join(plan)}")
        action = plan.pop(0)
        predicted = model.step(state, action, mission)
        out = env.step(action)
        state = state_from_json(schema, out.state)
        title = f"step {step}: {action}  reward {out.reward:g}"
        _frame(model, env, state, title, options, show, pictures)
        if (predicted.next_state, float(predicted.reward), predicted.done) != (
            state, out.reward, out.terminated
        ):  # fmt: skip
            mispredicted += 1
            plan = []
            show("the model mispredicted this step: replanning")
        if out.terminated or out.truncated:
            success = out.terminated and out.reward > 0
            outcome = "solved" if success else ("truncated" if out.truncated else "failed")
            return Episode(step, out.reward, success, plans, mispredicted, outcome, tuple(pictures))
    return Episode(
        options.step_limit, 0.0, False, plans, mispredicted, "step limit", tuple(pictures)
    )


def _frame(model: CompiledModel, env: ObjectEnv, state: State, title: str, options: PlayOptions,
           show: Callable[[str], None], pictures: list[np.ndarray[Any, Any]]) -> None:  # fmt: skip
    text = f"{title}\n{text_frame(model.program.schema, state, env.domain)}\n"
    show(text)
    if options.pictures:
        picture = rgb_frame(env)
        pictures.append(picture if picture is not None else text_image(text))
