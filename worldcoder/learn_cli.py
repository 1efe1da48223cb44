"""`worldcoder learn`: learn a world model from scratch by acting, offline by default."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from worldcoder.agent import PLANNERS, Agent, LearnConfig
from worldcoder.rundir import RunDir


def add_learn_parser(sub: Any, positive: Any, natural: Any) -> None:
    p = sub.add_parser(
        "learn", help="learn a world model by acting in an environment, and solve its task"
    )
    p.add_argument("--env", help="environment id, e.g. MiniGrid-DoorKey-5x5-v0")
    p.add_argument("--episodes", type=positive, default=30)
    p.add_argument("--seed", type=natural, default=0)
    p.add_argument("--proposer", choices=("enum", "llm"), default="enum")
    p.add_argument("--planner", choices=PLANNERS, default="bfs")
    p.add_argument("--horizon", type=positive, default=40)
    p.add_argument(
        "--streak", type=positive, default=10, help="stop after this many successes in a row"
    )
    p.add_argument("--budget-seconds", type=float, default=300.0, help="per synthesis call")
    p.add_argument("--run-dir", type=Path, default=None, help="default: runs/ENV-seedS-TIME")
    p.add_argument(
        "--resume", type=Path, default=None, metavar="DIR", help="continue the run in DIR"
    )
    p.set_defaults(run=cmd_learn)


def cmd_learn(args: argparse.Namespace) -> int:
    if args.resume is not None:
        run = RunDir(args.resume)
        config = LearnConfig(**run.config())
    else:
        if not args.env:
            print("error: --env is required (or --resume DIR)", file=sys.stderr)
            return 2
        config = LearnConfig(args.env, args.episodes, args.seed, args.proposer, args.planner,
                             args.horizon, None, args.streak, args.budget_seconds)  # fmt: skip
        path = (
            args.run_dir
            or Path("runs") / f"{args.env}-seed{args.seed}-{time.strftime('%Y%m%d-%H%M%S')}"
        )
        run = RunDir(path)
        from dataclasses import asdict

        run.create(asdict(config))
    print(f"run directory: {run.path}", file=sys.stderr)
    live = sys.stderr.isatty()

    def progress(message: str) -> None:
        sys.stderr.write(("\r\033[K" if live else "") + message + ("" if live else "\n"))
        sys.stderr.flush()

    report = Agent(config, run, progress).learn()
    if live:
        sys.stderr.write("\n")
    model = report["final_model"]
    if model:
        print(Path(model).read_text())
    print(
        f"{report['env']}: {report['successes']}/{report['episodes']} episodes solved "
        f"(streak {report['success_streak']}), {report['total_env_steps']} env steps, first success at "
        f"step {report['steps_to_first_success']}, synthesis {report['synthesis_seconds']:.1f} s; "
        f"report {run.path / 'report.json'}"
    )
    return 0 if report["success_streak"] >= config.streak else 1
