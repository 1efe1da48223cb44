"""`worldcoder curriculum`: one world model kept and refined across a sequence of environments.

Stage k learns in its environment starting from stage k-1's final model and with every transition
of the stages before it as data (the model must keep explaining them); it advances after
`streak` successes in a row, and the curriculum stops at a stage that does not get there within
its episodes. All environments must share one domain (one schema). Layout:

    DIR/curriculum.json   the curriculum's settings (written once)
    DIR/NN-ENV/           stage NN: a learning run directory (`worldcoder.rundir`); its
                          models/000.wc is the model it inherited
    DIR/report.json       every stage's report and the totals (rewritten after each stage)

`--resume DIR` continues where a killed curriculum stopped: finished stages are not rerun, the
interrupted one resumes like `worldcoder learn --resume`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dsl.parse import strip_imports
from synth import Spec
from synth.score import program_text
from worldcoder.agent import Agent, LearnConfig, llm_config
from worldcoder.domains import DEFAULT_PRIOR, domain
from worldcoder.envs import domain_of
from worldcoder.events import Inherited, event_to_json
from worldcoder.learn_cli import (
    add_agent_arguments,
    interrupted,
    llm_settings,
    milestones,
    progress_printer,
)
from worldcoder.rundir import RunDir

DEFAULT_CURRICULUM = (
    "MiniGrid-Empty-5x5-v0", "MiniGrid-DoorKey-5x5-v0", "MiniGrid-Unlock-v0",
    "MiniGrid-Fetch-6x6-N2-v0", "MiniGrid-UnlockPickup-v0", "MiniGrid-BlockedUnlockPickup-v0",
)  # fmt: skip
"""As in the WorldCoder paper."""


@dataclass(frozen=True)
class CurriculumConfig:
    envs: tuple[str, ...] = DEFAULT_CURRICULUM
    streak: int = 10
    episodes: int = 30
    """Episodes allowed per stage."""
    seed: int = 0
    learn: dict[str, Any] = field(default_factory=dict)
    """Other `LearnConfig` settings shared by every stage (proposer, planner, horizon, ...)."""

    def stage(self, env: str) -> LearnConfig:
        return LearnConfig(env, episodes=self.episodes, seed=self.seed, streak=self.streak,
                           **self.learn)  # fmt: skip


def domain_of_all(envs: tuple[str, ...]) -> str:
    """The one domain of every environment; a clear error when they differ."""
    if not envs:
        raise ValueError("a curriculum needs at least one environment")
    domains = {env: domain_of(env) for env in envs}
    if len(set(domains.values())) > 1:
        listing = ", ".join(f"{env} is {d}" for env, d in domains.items())
        raise ValueError(
            f"a curriculum keeps one model, so its environments must share one domain: {listing}"
        )
    return domains[envs[0]]


def run_curriculum(
    config: CurriculumConfig, root: Path, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Learn every stage in turn (resuming any that were started); the curriculum report."""
    say = progress or (lambda _msg: None)
    prior = domain(domain_of_all(config.envs)).prior_of(config.learn.get("prior", DEFAULT_PRIOR))
    inherited: list[dict[str, Any]] = []
    model: str | None = None
    reports: list[dict[str, Any]] = []
    for i, env in enumerate(config.envs):
        run = prepare_stage(
            root / f"{i:02d}-{env}", config.stage(env), prior, model, len(inherited)
        )
        label = f"[stage {i + 1}/{len(config.envs)} {env}] "
        agent = Agent(config.stage(env), run, labelled(say, label), inherited)
        reports.append(agent.learn())
        write_report(root, config, reports)
        if reports[-1]["success_streak"] < config.streak:
            break
        inherited += run.records("transitions.jsonl")
        latest = run.latest_model()
        model = strip_imports(latest.read_text()) if latest else model
    return write_report(root, config, reports)


def labelled(say: Callable[[str], None], label: str) -> Callable[[str], None]:
    return lambda message: say(label + message)


def prepare_stage(
    path: Path, config: LearnConfig, prior: Path, model: str | None, inherited: int
) -> RunDir:
    """The stage's run directory, created (with the inherited model as models/000.wc) unless it
    exists; idempotent, so a kill at any point leaves it resumable."""
    run = RunDir(path)
    if not (path / "config.json").exists():
        run.create(asdict(config))
    if model is not None and run.latest_model() is None:
        run.save_model(program_text(Spec((), (prior,)), model, path / "models" / "x.wc"))
        run.append("events.jsonl", event_to_json(Inherited(inherited, "models/000.wc")))
    return run


def write_report(
    root: Path, config: CurriculumConfig, stages: list[dict[str, Any]]
) -> dict[str, Any]:
    finished = [s for s in stages if s["success_streak"] >= config.streak]
    report = {
        "envs": list(config.envs), "seed": config.seed, "streak": config.streak,
        "completed": len(finished) == len(config.envs),
        "stages_completed": len(finished),
        "total_env_steps": sum(s["total_env_steps"] for s in stages),
        "synthesis_calls": sum(s["synthesis_calls"] for s in stages),
        "synthesis_seconds": round(sum(s["synthesis_seconds"] for s in stages), 3),
        "llm_calls": sum(s.get("llm_calls", 0) for s in stages),
        "llm_tokens": sum(s.get("llm_tokens", 0) for s in stages),
        "final_model": stages[-1]["final_model"] if stages else None,
        "stages": stages,
    }  # fmt: skip
    RunDir(root).write_report(report)
    return report


# ----------------------------------------------------------------------------- command line


def add_curriculum_parser(sub: Any, positive: Any, natural: Any) -> None:
    p = sub.add_parser(
        "curriculum", help="learn one model across a sequence of environments (transfer)"
    )
    p.add_argument("--envs", default=",".join(DEFAULT_CURRICULUM),
                   help="comma-separated environment ids of one domain (default: the paper's)")  # fmt: skip
    p.add_argument("--streak", type=positive, default=10, help="successes in a row to advance")
    p.add_argument("--episodes", type=positive, default=30, help="episodes allowed per stage")
    add_agent_arguments(p, positive, natural)
    p.add_argument("--run-dir", type=Path, default=None, help="default: runs/curriculum-seedS-TIME")
    p.add_argument("--resume", type=Path, default=None, metavar="DIR", help="continue the curriculum in DIR")  # fmt: skip
    p.set_defaults(run=cmd_curriculum)


def cmd_curriculum(args: argparse.Namespace) -> int:
    try:
        root, config = _root_and_config(args)
    except (FileExistsError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"run directory: {root}", file=sys.stderr)
    try:
        report = run_curriculum(config, root, progress_printer(sys.stderr))
    except KeyboardInterrupt:
        return interrupted("curriculum", root)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if report["final_model"]:
        print(Path(report["final_model"]).read_text())
    for stage in report["stages"]:
        print(f"{stage['env']}: streak {stage['success_streak']}, {stage['successes']}/{stage['episodes']} "
              f"episodes solved, {stage['total_env_steps']} env steps, {stage['synthesis_calls']} synthesis "
              f"calls, {milestones(stage, stage['config']['correctness'])}")  # fmt: skip
    done = "completed" if report["completed"] else "stopped"
    print(f"curriculum {done}: {report['stages_completed']}/{len(config.envs)} stages, "
          f"{report['total_env_steps']} env steps; report {root / 'report.json'}")  # fmt: skip
    return 0 if report["completed"] else 1


def _root_and_config(args: argparse.Namespace) -> tuple[Path, CurriculumConfig]:
    if args.resume is not None:
        config = load_config(args.resume)
        llm_config(config.stage(config.envs[0]))  # the key comes from the environment
        return args.resume, config
    envs = tuple(e.strip() for e in args.envs.split(",") if e.strip())
    learn = {**llm_settings(args), "planner": args.planner, "horizon": args.horizon,
             "budget_seconds": args.budget_seconds, "optimism_seconds": args.optimism_seconds,
             "explore_steps": args.explore_steps,
             "prior": args.prior}  # fmt: skip
    config = CurriculumConfig(envs, args.streak, args.episodes, args.seed, learn)
    domain_of_all(config.envs)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    root: Path = args.run_dir or Path("runs") / f"curriculum-seed{args.seed}-{stamp}"
    create(root, config)
    return root, config


def create(root: Path, config: CurriculumConfig) -> None:
    if (root / "curriculum.json").exists():
        raise FileExistsError(f"{root} already holds a curriculum; use --resume {root} to continue it")  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    (root / "curriculum.json").write_text(json.dumps(asdict(config), indent=2) + "\n")


def load_config(root: Path) -> CurriculumConfig:
    path = root / "curriculum.json"
    if not path.exists():
        raise FileNotFoundError(f"{root} holds no curriculum (no curriculum.json)")
    data = json.loads(path.read_text())
    return CurriculumConfig(tuple(data["envs"]), data["streak"], data["episodes"], data["seed"],
                            data.get("learn", {}))  # fmt: skip
