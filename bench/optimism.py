"""The paper's claim (a): optimism against no optimism, measured as env steps to a correct model.

Methods (all `worldcoder learn`, offline enumerative proposer, BFS planner):

- `optimistic`: the default agent: synthesis asks that the mission be reachable in the model, the
  agent plans to the imagined goal and refines on counter-examples; when it has no optimistic
  model it runs distinguishing experiments, else explores by novelty, one step at a time, from
  its first step;
- `optimistic-random`: the agent before 2026-12-07's defaults: 100 random steps first, random
  exploration steps (`--explore random --explore-steps 100`);
- `random`, `novelty`: no optimism (`--no-optimism --explore random|novelty --explore-steps
  100`): models only reproduce the data, and the agent explores until its model explains every
  transition and sees a plan to the goal, then plans (refining on counter-examples); see
  `worldcoder.agent`.

Environments Empty-5x5, DoorKey-5x5 and Unlock, seeds 0-2 (quick: Empty-5x5, seed 0). Each job is
one `worldcoder learn --until-correct --max-env-steps B` run in a temporary run directory, killed
at a wall-clock cap. `--until-correct` stops the run once a model is proved correct and the task
was solved once; after 10 successes in a row without a proved model the agent explores instead
of planning (else an optimistic agent that solves the task would never learn more).

Figures, read from the run's own logs (so a run cut by the cap still counts up to where it was):

- `steps_to_correct_model`: the agent's check: the env step at which an accepted model was first
  proved equivalent to the reference (models/minigrid.wc) by bounded equivalence on every state
  like the ones the agent had acted from by then (`worldcoder.correctness`). It depends on what
  the agent saw: a model accepted after little exploration is checked on fewer kinds of state;
- `steps_to_task_correct_model`: one yardstick for every method: the acceptance step of the first
  accepted model that reproduces every transition of a fixed task set and is proved equivalent
  to the reference on states like the set's. The set (`task_transitions`): the reference model's
  shortest solutions played in the real env from 3 starts and 3 random 60-step episodes, with
  seeds no run uses. Null when no model of the run passes;
- `steps_to_first_success` (the first rewarded episode, which exploration alone may reach),
  `steps_to_streak` (10 in a row), total env steps, wall, synthesis and correctness seconds,
  synthesis calls, exploration steps, whether the cap cut the run.

The summary gives, per env x method, medians over seeds (a seed that did not reach a figure
counts as infinitely many steps; an infinite median is reported as null, "not reached") and how
many seeds reached each. The plot optimism[-quick].png shows both correct-model figures per env
and method on a log scale: bars are medians, dots seeds, x a seed that did not reach it within
its budget. The helpers here (a learning run as a job, its figures, the task yardstick, medians,
the plot panel) are shared with bench/scaling.py and bench/curriculum_transfer.py.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.runs import median_steps, run_cli
from bench.suite import Job

NAME = "optimism"
ENVS = ("MiniGrid-Empty-5x5-v0", "MiniGrid-DoorKey-5x5-v0", "MiniGrid-Unlock-v0")
SEEDS = (0, 1, 2)
RANDOM_FIRST = ("--explore-steps", "100")
METHODS: dict[str, tuple[str, ...]] = {
    "optimistic": (),
    "optimistic-random": ("--explore", "random", *RANDOM_FIRST),
    "random": ("--no-optimism", "--explore", "random", *RANDOM_FIRST),
    "novelty": ("--no-optimism", "--explore", "novelty", *RANDOM_FIRST),
}
"""Method name -> its `worldcoder learn` flags."""
MAX_ENV_STEPS = 5_000
WALL = 1_800.0
QUICK_MAX_ENV_STEPS = 1_000
QUICK_WALL = 120.0
STREAK = 10
TASK_SEEDS = 7_000_000
"""Seeds of the task yardstick's episodes (no learning run uses them)."""
TASK_CHECKS = 8
"""At most this many bounded-equivalence proofs per run for the yardstick (replay filters first)."""
FIGURES = ("steps_to_correct_model", "steps_to_task_correct_model", "steps_to_first_success",
           "steps_to_streak")  # fmt: skip


# ----------------------------------------------------------------------------- jobs


def jobs(quick: bool) -> list[Job]:
    envs, seeds = (ENVS[:1], SEEDS[:1]) if quick else (ENVS, SEEDS)
    steps, wall = (QUICK_MAX_ENV_STEPS, QUICK_WALL) if quick else (MAX_ENV_STEPS, WALL)
    budget = {"max_env_steps": steps, "wall_seconds": wall}
    return [
        Job(NAME, f"{method}/{env}/seed{seed}", learn_params(method, env, seed, **budget))
        for env in envs
        for method in METHODS
        for seed in seeds
    ]


def learn_params(
    method: str, env: str, seed: int, *, max_env_steps: int, wall_seconds: float, horizon: int = 40
) -> dict[str, Any]:
    """The parameters of one `--until-correct` learning run (a job of this bench or scaling)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return {"method": method, "env": env, "seed": seed, "max_env_steps": max_env_steps,
            "wall_seconds": wall_seconds, "horizon": horizon}  # fmt: skip


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    return run_learn(params)


def run_learn(params: dict[str, Any]) -> dict[str, Any]:
    """One `worldcoder learn --until-correct` run in a temporary directory: its figures."""
    env, seed, horizon = params["env"], params["seed"], params.get("horizon", 40)
    flags = ["--env", env, "--seed", str(seed), "--horizon", str(horizon), "--until-correct",
             "--max-env-steps", str(params["max_env_steps"]), "--episodes", "100000",
             *METHODS[params["method"]]]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="optimism-") as tmp:
        run_dir = Path(tmp) / "run"
        t0 = time.perf_counter()
        capped = (
            run_cli(["learn", *flags, "--run-dir", str(run_dir)], params["wall_seconds"]) is None
        )
        seconds = time.perf_counter() - t0
        figures = run_figures(run_dir, STREAK)
        figures |= task_correct(run_dir, env, horizon)
    return figures | {"wall_seconds": round(seconds, 2), "capped": capped}


# ----------------------------------------------------------------------------- a run's figures


def run_figures(run_dir: Path, streak: int) -> dict[str, Any]:
    """The figures of a learning run directory, from transitions.jsonl and events.jsonl."""
    from worldcoder.events import Synthesis, read_events
    from worldcoder.rundir import RunDir
    from worldcoder.stats import stats_from_run

    run = RunDir(run_dir)
    events = read_events(run)
    stats = stats_from_run(run, streak)
    synth = [e for e in events if isinstance(e, Synthesis)]
    return {
        "total_env_steps": stats.env_steps,
        "episodes": stats.episodes,
        "successes": stats.successes,
        "steps_to_first_success": stats.steps_to_first_success,
        "steps_to_streak": stats.steps_to_streak,
        "steps_to_correct_model": stats.steps_to_correct_model,
        "synthesis_calls": stats.synth_calls,
        "synthesis_seconds": round(stats.synthesis_seconds, 2),
        "correctness_seconds": round(stats.correctness_seconds, 2),
        "optimistic_syntheses": sum(e.optimistic is not None for e in synth),
        "exploration_steps": stats.exploration_steps,
        "heldout_accuracy": synth[-1].heldout_accuracy if synth else None,
    }


def accepted_models(run_dir: Path) -> list[tuple[int, Path]]:
    """(env step at which it was accepted, file) of every model of a run, in order: the inherited
    one (curriculum stages) at step 0, then each synthesis event's saved model."""
    from worldcoder.events import Inherited, Synthesis, read_events
    from worldcoder.rundir import RunDir

    out: list[tuple[int, Path]] = []
    for e in read_events(RunDir(run_dir)):
        if isinstance(e, Inherited):
            out.append((0, run_dir / e.model))
        elif isinstance(e, Synthesis) and e.model:
            out.append((e.env_steps, run_dir / e.model))
    return out


# ----------------------------------------------------------------------------- the task yardstick


def task_transitions(env_id: str, horizon: int, starts: int = 3, walks: int = 3) -> list[Any]:
    """The yardstick's transitions: the reference model's shortest solution played in the real
    env from `starts` starts, and `walks` random 60-step episodes (seeds from TASK_SEEDS)."""
    from dsl.values import transition_from_json
    from worldcoder.envs import collect

    reference, schema = _reference(env_id)
    records = list(_solutions(env_id, reference, horizon, starts))
    records += collect(env_id, walks, TASK_SEEDS + 1000, max_steps=60)
    return [transition_from_json(schema, r, f"task transition {i}") for i, r in enumerate(records)]


def _reference(env_id: str) -> tuple[Any, Any]:
    from dsl.check import check_file
    from dsl.compile import compile_program
    from worldcoder.domains import env_domain

    program = check_file(env_domain(env_id).reference_path)
    return compile_program(program), program.schema


def _solutions(env_id: str, reference: Any, horizon: int, starts: int) -> list[dict[str, Any]]:
    from dsl.values import Mission, state_from_json
    from plan.bfs import bfs_plan
    from worldcoder.envs import make_env

    env = make_env(env_id)
    records: list[dict[str, Any]] = []
    for seed in range(TASK_SEEDS, TASK_SEEDS + starts):
        state, mission = env.reset(seed=seed)
        start = state_from_json(reference.program.schema, state)
        found = bfs_plan(reference, start, Mission.of(mission), max(horizon, 100), timeout=60)
        for action in found.plan if found.status == "sat" else ():
            out = env.step(action)
            records.append({"state": state, "action": action, "next_state": out.state,
                            "reward": out.reward, "done": out.terminated, "mission": mission})  # fmt: skip
            state = out.state
    env.close()
    return records


def task_correct(run_dir: Path, env_id: str, horizon: int) -> dict[str, Any]:
    """The yardstick figure of a run: the acceptance step of its first model that replays the
    task transitions and is proved equivalent to the reference on states like theirs."""
    from dsl.check import check_file
    from dsl.compile import compile_program
    from worldcoder.correctness import check_model

    started = time.perf_counter()
    task = task_transitions(env_id, horizon)
    states = list({t.state: None for t in task})
    checks, step = 0, None
    for at, path in accepted_models(run_dir):
        model = compile_program(check_file(path))
        if not all(model.step(t.state, t.action, t.mission).matches(t) for t in task):
            continue
        checks += 1
        if check_model(model.program, env_id, task[0].mission, states).status == "equivalent":
            step = at
            break
        if checks >= TASK_CHECKS:
            break
    return {"steps_to_task_correct_model": step, "task_proofs": checks,
            "task_seconds": round(time.perf_counter() - started, 2)}  # fmt: skip


# ----------------------------------------------------------------------------- summary


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    table = group_table(rows, ("env", "method"))
    plot = out_dir / f"{NAME}{'-quick' if quick else ''}.png"
    draw(table, plot, "env", [("steps_to_correct_model", "correct model (agent's check)"),
                              ("steps_to_task_correct_model", "correct model (task yardstick)")])  # fmt: skip
    return {
        "plot": plot.name,
        "meaning": {
            "steps_to_correct_model": "env step at which an accepted model was first proved "
            "equivalent to models/minigrid.wc on states like those the agent had acted from",
            "steps_to_task_correct_model": "acceptance step of the first model that replays the "
            "fixed task transitions and is proved equivalent on states like theirs",
            "steps_to_first_success": "env steps at the end of the first rewarded episode "
            "(exploration alone may get there)",
            "median": "over seeds; a seed that did not reach the figure within its env-step "
            "budget or wall cap counts as infinite; an infinite median is null (not reached)",
        },
        "table": table,
    }


def group_table(rows: list[dict[str, Any]], by: Sequence[str]) -> list[dict[str, Any]]:
    """One entry per distinct value of the params `by`, in first-seen order: per figure the
    seeds' values, their median and how many reached it; median seconds."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row["params"][k] for k in by), []).append(row)
    return [_group(dict(zip(by, key, strict=True)), group) for key, group in groups.items()]


def _group(head: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if "error" not in r["result"]]
    out = {**head, "seeds": [r["params"]["seed"] for r in ok], "errors": len(rows) - len(ok),
           "capped": sum(bool(r["result"].get("capped")) for r in ok)}  # fmt: skip
    for figure in FIGURES:
        values = [r["result"].get(figure) for r in ok]
        out[figure] = values
        out[f"median_{figure}"] = median_steps(values)
        out[f"reached_{figure}"] = sum(v is not None for v in values)
    for figure in ("wall_seconds", "synthesis_seconds", "total_env_steps"):
        values = [r["result"][figure] for r in ok if r["result"].get(figure) is not None]
        out[f"median_{figure}"] = round(statistics.median(values), 2) if values else None
    return out


def draw(table: list[dict[str, Any]], out: Path, axis: str, panels: list[tuple[str, str]]) -> None:
    """One panel per figure: per `axis` value (x) and method, the median bar and seed dots on a
    log scale, x at the top for seeds that did not reach it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.5), squeeze=False)
    for ax, (figure, title) in zip(axes[0], panels, strict=True):
        bar_panel(ax, table, axis, figure)
        ax.set_title(f"env steps to {title}", fontsize=10)
    axes[0][0].set_ylabel("env steps (bar: median over seeds; dots: seeds)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def bar_panel(ax: Any, table: list[dict[str, Any]], axis: str, figure: str) -> None:
    xs = list(dict.fromkeys(t[axis] for t in table))
    methods = list(dict.fromkeys(t["method"] for t in table))
    seen = [float(v) for t in table for v in t[figure] if v is not None]
    top = 2 * max([10.0, *seen])
    width = 0.8 / max(1, len(methods))
    for m, method in enumerate(methods):
        label: str | None = method
        for t in (t for t in table if t["method"] == method):
            x = xs.index(t[axis]) - 0.4 + width * (m + 0.5)
            med = t[f"median_{figure}"]
            if med is not None:
                ax.bar(x, med, width=width * 0.9, color=f"C{m}", alpha=0.4, label=label)
                label = None
            for v in t[figure]:
                y, marker = (v, "o") if v is not None else (top, "x")
                ax.scatter(x, y, color=f"C{m}", marker=marker, s=18, zorder=3, label=label)
                label = None
    ax.axhline(top, color="grey", lw=0.5, ls=":")
    ax.text(0.99, top, "x: not reached", ha="right", va="bottom", fontsize=7,
            transform=ax.get_yaxis_transform())  # fmt: skip
    ax.set_yscale("symlog", linthresh=10)  # log above 10 steps, and 0 (a model carried over) shows
    ax.set_ylim(0, top * 1.6)
    names = [str(x).removeprefix("MiniGrid-").removesuffix("-v0") for x in xs]
    ax.set_xticks(range(len(xs)), names, rotation=20, ha="right")
    ax.legend(fontsize=7, loc="upper left")
