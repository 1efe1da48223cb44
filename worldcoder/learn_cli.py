"""`worldcoder learn`: learn a world model from scratch by acting, offline by default.

Owns the command's flags, the live progress line (`progress_printer`, shared with
`worldcoder curriculum`) and the closing output: the learned program and a one-line summary.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from plan import PLANNERS, planner_problem
from synth.llm import LLMConfigError
from worldcoder.agent import EXPLORERS, Agent, LearnConfig, llm_config
from worldcoder.argtypes import add_llm_arguments, seconds
from worldcoder.domains import DEFAULT_PRIOR, PRIORS
from worldcoder.envs import EnvUsageError, domain_of, make_env
from worldcoder.envs.sokoban import LEVEL_SET_NAMES, LEVEL_SETS
from worldcoder.rundir import RunDir


def add_learn_parser(sub: Any, positive: Any, natural: Any) -> None:
    p = sub.add_parser(
        "learn", help="learn a world model by acting in an environment, and solve its task"
    )
    p.add_argument(
        "--env", help="environment id, e.g. MiniGrid-DoorKey-5x5-v0 (see `worldcoder envs`)"
    )
    p.add_argument("--episodes", type=positive, default=30, help="most episodes to play")
    add_agent_arguments(p, positive, natural)
    p.add_argument("--max-nodes", type=positive, default=300_000, help="budget of each plan")
    p.add_argument(
        "--streak", type=positive, default=10, help="stop after this many successes in a row"
    )
    p.add_argument("--no-correctness", action="store_true",
                   help="do not check accepted models against the reference model")  # fmt: skip
    p.add_argument("--no-optimism", action="store_true",
                   help="models need only reproduce the data; explore while the model sees no plan")  # fmt: skip
    p.add_argument("--explore", choices=EXPLORERS, default="novelty",
                   help="how exploration steps pick actions (novelty: an action never tried in "
                        "this state, else the least-visited predicted state)")  # fmt: skip
    p.add_argument("--until-correct", action="store_true",
                   help="stop once a model is proved correct and the task solved once (instead of at "
                        "the streak); the check only observes, it never changes the actions")  # fmt: skip
    p.add_argument("--max-env-steps", type=positive, default=None, help="stop after N env steps")
    p.add_argument("--level-file", default=None, metavar="FILE|SET",
                   help=f"Sokoban: a Boxoban-format level file, or a shipped level set ({LEVEL_SET_NAMES}) "
                        "(default: bundled)")  # fmt: skip
    p.add_argument("--level", type=natural, default=None,
                   help="Sokoban: the level in --level-file (default: episode e plays level (seed + e) "
                        "mod the number of levels)")  # fmt: skip
    p.add_argument("--run-dir", type=Path, default=None, help="default: runs/ENV-seedS-TIME")
    p.add_argument(
        "--resume", type=Path, default=None, metavar="DIR", help="continue the run in DIR"
    )
    p.set_defaults(run=cmd_learn)


def add_agent_arguments(p: argparse.ArgumentParser, positive: Any, natural: Any) -> None:
    """The flags `learn` and `curriculum` share: seed, proposer (and the LLM's), planner,
    horizon, synthesis budget, exploration."""
    p.add_argument(
        "--seed", type=natural, default=0, help="seed of the first episode and of exploration"
    )
    p.add_argument("--proposer", choices=("enum", "llm"), default=None,
                   help="enum: the offline synthesizer; llm: REx over an LLM's programs, repaired "
                        "offline where the data refutes them (default: llm with --llm-model, else enum)")  # fmt: skip
    p.add_argument(
        "--planner", choices=PLANNERS, default="bfs", help="how plans are searched in the model"
    )
    p.add_argument("--horizon", type=positive, default=40,
                   help="longest plan searched for, and the optimism horizon of synthesis")  # fmt: skip
    p.add_argument("--budget-seconds", type=seconds, default=300.0, help="per synthesis call")
    p.add_argument("--optimism-seconds", type=seconds, default=None,
                   help="most seconds a synthesis call searches for an optimistic completion "
                        "once the data are explained; then the agent explores (default: the "
                        "whole --budget-seconds)")  # fmt: skip
    p.add_argument("--explore-steps", type=natural, default=0,
                   help="exploration steps before the first synthesis and at a time after one "
                        "that found no optimistic model (0: from the first step, one at a time)")  # fmt: skip
    p.add_argument("--prior", choices=PRIORS, default=DEFAULT_PRIOR,
                   help="perception: what is where, what the agent holds, what the mission names, "
                        "direction vectors; hint: plus the domain's helpers that give part of the "
                        "dynamics away (what blocks, pushes, solves)")  # fmt: skip
    add_llm_arguments(p)


def llm_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The proposer and LLM settings of `learn`/`curriculum` as `LearnConfig` fields, checked
    now (a missing model or key is a usage error before any step is taken)."""
    proposer = args.proposer or ("llm" if args.llm_model else "enum")
    if proposer != "llm":
        if args.llm_model or args.llm_base_url:
            raise LLMConfigError("--llm-model and --llm-base-url need --proposer llm")
        return {"proposer": proposer}
    settings = {"proposer": proposer, "llm_model": args.llm_model, "llm_base_url": args.llm_base_url,
                "llm_grammar": args.llm_grammar, "llm_timeout": args.llm_timeout,
                "llm_retries": args.llm_retries}  # fmt: skip
    llm_config(LearnConfig("-", **settings))  # raises LLMConfigError saying what is missing
    return settings


def cmd_learn(args: argparse.Namespace) -> int:
    if args.resume is None and not args.env:
        print("error: --env is required (or --resume DIR)", file=sys.stderr)
        return 2
    if args.until_correct and args.no_correctness:
        print("error: --until-correct needs the correctness check (drop --no-correctness)",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        run, config = _run_and_config(args)
        llm_config(config)  # on --resume too: the key comes from the environment
    except (FileExistsError, FileNotFoundError, LLMConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"run directory: {run.path}", file=sys.stderr)
    try:
        report = Agent(config, run, progress_printer(sys.stderr)).learn()
    except KeyboardInterrupt:
        return interrupted("learn", run.path)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    model = report["final_model"]
    if model:
        print(Path(model).read_text())
    print(
        f"{report['env']}: {report['successes']}/{report['episodes']} episodes solved "
        f"(streak {report['success_streak']}), {report['total_env_steps']} env steps, "
        f"{milestones(report, config.correctness)}, "
        f"synthesis {report['synthesis_seconds']:.1f} s{_llm_summary(report)}; report {run.path / 'report.json'}"
    )  # fmt: skip
    if config.until_correct:
        return 0 if report["steps_to_correct_model"] is not None else 1
    return 0 if report["success_streak"] >= config.streak else 1


def milestones(report: dict[str, Any], correctness: bool) -> str:
    """When the run first succeeded and when a model was proved correct, in words."""
    first, proved = report["steps_to_first_success"], report["steps_to_correct_model"]
    success = "no success yet" if first is None else f"first success at step {first}"
    if proved is not None:
        return f"{success}, correct model at step {proved}"
    return f"{success}, {'no correct model proved' if correctness else 'correctness not checked'}"


def interrupted(command: str, path: Path) -> int:
    """Ctrl-C during a run: how to continue it; exit status 130 (as for SIGINT)."""
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(f"interrupted; continue with: worldcoder {command} --resume {shlex.quote(str(path))}",
          file=sys.stderr)  # fmt: skip
    return 130


def _llm_summary(report: dict[str, Any]) -> str:
    if report["config"]["proposer"] != "llm":
        return ""
    replayed = f", {report['llm_replayed']} replayed" if report["llm_replayed"] else ""
    return (f", LLM {report['llm_calls']} calls{replayed}, {report['llm_tokens']} tokens, "
            f"{report['llm_seconds']:.1f} s")  # fmt: skip


def _run_and_config(args: argparse.Namespace) -> tuple[RunDir, LearnConfig]:
    if args.resume is not None:
        run = RunDir(args.resume)
        return run, LearnConfig(**run.config())
    config = LearnConfig(
        args.env, episodes=args.episodes, seed=args.seed, **llm_settings(args),
        planner=args.planner, horizon=args.horizon, streak=args.streak,
        budget_seconds=args.budget_seconds, optimism_seconds=args.optimism_seconds,
        explore_steps=args.explore_steps, correctness=not args.no_correctness, max_nodes=args.max_nodes,
        optimism=not args.no_optimism, explore=args.explore, until_correct=args.until_correct,
        max_env_steps=args.max_env_steps, level_file=_absolute(args.level_file), level=args.level,
        prior=args.prior,
    )  # fmt: skip
    make_env(config.env, level_file=config.level_file, level=config.level).close()  # bad input
    if problem := planner_problem(config.planner, config.env, domain_of(config.env)):
        raise EnvUsageError(problem)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run = RunDir(args.run_dir or Path("runs") / f"{args.env}-seed{args.seed}-{stamp}")
    run.create(asdict(config))
    return run, config


def _absolute(path: str | None) -> str | None:
    """A path that still names the same file when the run is resumed from elsewhere (a shipped
    level set's name is kept as it is)."""
    return path if path is None or path in LEVEL_SETS else str(Path(path).resolve())


def progress_printer(stream: TextIO, every: float = 1.0) -> Callable[[str], None]:
    """A live status line on a terminal; elsewhere one line per message, status lines (which
    come every step) at most once per `every` seconds."""
    live = stream.isatty()
    last = [0.0]

    def show(message: str) -> None:
        now = time.monotonic()
        if not live and " steps " in message and now - last[0] < every:
            return
        last[0] = now
        stream.write(("\r\033[K" if live else "") + message + ("" if live else "\n"))
        stream.flush()

    return show
