"""Sokoban: env steps to a correct model learned on the bundled levels, then planning in the
learned model on the 1,000 shipped Boxoban levels (``--level-file boxoban``:
``worldcoder/envs/levels/boxoban/unfiltered-test-000.txt``).

Learning (``learn/seedS`` jobs). The agent (`worldcoder.agent.Agent`: offline enumerative
proposer, BFS planner) acts on the six bundled levels (``worldcoder/envs/levels/bundled.txt``),
episode ``e`` on level ``(seed + e) % 6`` (`worldcoder learn --env Sokoban --level-file
bundled.txt`). It runs for ``episodes`` episodes (``streak`` = ``episodes``, so a success streak
does not stop it early), killed at ``cap_seconds``. Figures from its report.json:
``steps_to_correct_model`` (the env step at which an accepted model was proved equivalent to
models/sokoban.wc by `worldcoder.correctness`; null when none was), steps to the first success,
env steps, episodes solved; plus the learned program's text, its sha256, and the last
correctness verdict.

Planning (``plan/MODEL/LO-HI`` jobs, chunks of ``chunk`` levels). MODEL is ``learned``: the final
model of the seed-0 learning run with the same parameters (the job runs that learning itself, or
reuses its result from an on-disk cache keyed by the learning parameters and a digest of the
source tree: dsl, solver, synth, worldcoder, models; every plan result records the model's
sha256, and the summary checks that all chunks and the learning job saw the same model), or
``reference``: models/sokoban.wc, which shows what the planner does with a correct model. Each
level: ``plan.sokoban_plan`` in the compiled model (A* over pushes; ``timeout`` seconds,
``max_nodes`` expansions), then the plan is executed in the real `SokobanEnv`; the level counts
as solved only when the plan's last action, and only it, solves it there. Per level: model
status, solved, seconds, expansions, plan length.

Writes (through the runner) bench/results/sokoban.json and sokoban.png (-quick when quick):
histograms of seconds and expansions per level for each model, and the levels solved.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.runs import run_cli
from bench.suite import Job
from dsl.parse import strip_imports

NAME = "sokoban"
ROOT = Path(__file__).resolve().parents[1]
LEVELS = "boxoban"
"""The shipped Boxoban level set (`worldcoder.envs.sokoban.LEVEL_SETS`)."""
SOURCES = ("dsl", "solver", "synth", "worldcoder", "models")
CACHE = Path(tempfile.gettempdir()) / "worldcoder-bench-sokoban"
MODELS = ("learned", "reference")


# ----------------------------------------------------------------------------- learning


def _final_model(run_dir: Path, final: str | None) -> dict[str, Any]:
    from worldcoder.events import Correctness, read_events
    from worldcoder.rundir import RunDir

    verdicts = [e.status for e in read_events(RunDir(run_dir)) if isinstance(e, Correctness)]
    body = strip_imports(Path(final).read_text()) if final else None
    return {"model": body, "model_sha256": _sha(body) if body else None,
            "last_correctness": verdicts[-1] if verdicts else None}  # fmt: skip


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def learn(params: dict[str, Any]) -> dict[str, Any]:
    """One `worldcoder learn --env Sokoban` run on the bundled levels (see the module docstring),
    killed after ``cap_seconds`` (``{"error": ...}`` then): its report's figures."""
    from worldcoder.envs.sokoban import bundled_levels_path

    episodes = str(params["episodes"])
    with tempfile.TemporaryDirectory(prefix="bench-sokoban-") as tmp:
        run_dir = Path(tmp) / "run"
        args = ["learn", "--env", "Sokoban", "--level-file", str(bundled_levels_path()),
                "--seed", str(params["seed"]), "--episodes", episodes, "--streak", episodes,
                "--run-dir", str(run_dir)]  # fmt: skip
        t0 = time.perf_counter()
        if run_cli(args, params["cap_seconds"]) is None:
            return {"error": f"learning cut at {params['cap_seconds']} s"}
        seconds = round(time.perf_counter() - t0, 1)
        report = json.loads((run_dir / "report.json").read_text())
        keys = ("total_env_steps", "episodes", "successes", "steps_to_first_success",
                "steps_to_correct_model", "synthesis_calls", "synthesis_seconds")  # fmt: skip
        out = {k: report[k] for k in keys} | {"learn_seconds": seconds}
        return out | _final_model(run_dir, report["final_model"])


def source_digest() -> str:
    """sha256 over the source files that decide what the agent learns."""
    digest = hashlib.sha256()
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".wc", ".lark", ".txt") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _cache_path(params: dict[str, Any]) -> Path:
    key = json.dumps({k: params[k] for k in ("seed", "episodes")}, sort_keys=True)
    return CACHE / f"{_sha(key + source_digest())[:24]}.json"


def _store(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, path)


def _locked(path: Path, fresh: bool, params: dict[str, Any]) -> dict[str, Any]:
    """Under the cache entry's lock (one process learns, the others wait for its result): the
    cached result unless `fresh`, else a new learning run, stored when it succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not fresh and path.exists():
            cached: dict[str, Any] = json.loads(path.read_text())
            return cached | {"cached": True}
        result = learn(params)
        if "error" not in result:
            _store(path, result)
        return result | {"cached": False}


def learned_model(params: dict[str, Any]) -> dict[str, Any]:
    """The learning run's result for these parameters: cached, or learned now."""
    return _locked(_cache_path(params), False, params)


def run_learn(params: dict[str, Any]) -> dict[str, Any]:
    """A learning job: always learns afresh, then leaves its result for the planning jobs."""
    return _locked(_cache_path(params), True, params)


# ----------------------------------------------------------------------------- planning


def compile_model(params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The compiled model a planning job plans in, and what to record about it."""
    from dsl.check import check_file
    from dsl.compile import compile_program
    from synth import Spec
    from synth.score import check_candidate
    from worldcoder.domains import DEFAULT_PRIOR, domain

    facts = domain("sokoban")
    if params["model"] == "reference":
        reference = facts.reference_path
        return compile_program(check_file(reference)), {"model_sha256": _sha(reference.read_text())}
    learned = learned_model(params["learn"])
    if "error" in learned:
        raise RuntimeError(learned["error"])
    prior = Spec((), (facts.prior_of(DEFAULT_PRIOR),))  # what `learn` started from
    model = compile_program(check_candidate(prior, learned["model"]))
    keys = ("model_sha256", "steps_to_correct_model", "last_correctness", "cached")
    return model, {k: learned[k] for k in keys}


def execute(model: Any, level: Any, plan: tuple[str, ...]) -> tuple[bool, int | None]:
    """Run the plan in the real env: whether its last action, and only it, solves the level, and
    the first action (1-based) after which the real state differs from the model's prediction
    (None: the model predicted every step)."""
    from dsl.values import Mission, state_from_json
    from worldcoder.envs.sokoban import SOKOBAN_ACTIONS, SOKOBAN_MISSION, SokobanEnv

    env = SokobanEnv([level], 0, max_steps=len(plan) + 1)
    env.reset()
    schema, mission = model.program.schema, Mission.of(SOKOBAN_MISSION)
    state, diverges, solved = state_from_json(schema, env.object_state()), None, False
    for i, action in enumerate(plan):
        predicted = model.next_state(state, action, mission)
        _, reward, terminated, _, _ = env.step(SOKOBAN_ACTIONS.index(action))
        state = state_from_json(schema, env.object_state())
        if diverges is None and predicted != state:
            diverges = i + 1
        if terminated:
            solved = reward > 0 and i == len(plan) - 1
            break
    return solved, diverges


def plan_level(model: Any, level: Any, params: dict[str, Any]) -> dict[str, Any]:
    from dsl.values import Mission, state_from_json
    from plan import sokoban_plan
    from worldcoder.envs.sokoban import SOKOBAN_MISSION, SokobanEnv

    env = SokobanEnv([level], 0)
    env.reset()
    state = state_from_json(model.program.schema, env.object_state())
    t0 = time.perf_counter()
    search = sokoban_plan(model, state, Mission.of(SOKOBAN_MISSION), max_nodes=params["max_nodes"],
                          timeout=params["timeout"])  # fmt: skip
    seconds = time.perf_counter() - t0
    solved, diverges = execute(model, level, search.plan) if search.plan else (False, None)
    return {"status": search.status, "solved": solved, "seconds": round(seconds, 4),
            "expanded": search.expanded, "actions": len(search.plan), "diverges_at": diverges,
            "boxes": len(level.boxes)}  # fmt: skip


def run_plan(params: dict[str, Any]) -> dict[str, Any]:
    from worldcoder.envs.sokoban import level_source, load_levels

    model, about = compile_model(params)
    levels = load_levels(level_source(params["level_file"]))
    rows = []
    for index in range(params["first"], params["last"]):
        rows.append({"level": index, **plan_level(model, levels[index], params)})
    return about | {"levels": rows}


# ----------------------------------------------------------------------------- the bench


def _learn_params(seed: int, quick: bool) -> dict[str, Any]:
    return {"seed": seed, "episodes": 30 if quick else 100, "cap_seconds": 300 if quick else 1800}


def jobs(quick: bool) -> list[Job]:
    seeds = [0] if quick else [0, 1, 2]
    count, chunk = (10, 10) if quick else (1000, 50)
    plan = {"level_file": LEVELS, "timeout": 10.0 if quick else 30.0,
            "max_nodes": 1_000_000, "learn": _learn_params(0, quick), "quick": quick}  # fmt: skip
    out = [Job(NAME, "learn/seed0", {"kind": "learn", "quick": quick, **_learn_params(0, quick)})]
    for model in ("reference", "learned"):
        for first in range(0, count, chunk):
            key = f"plan/{model}/{first:04d}-{first + chunk:04d}"
            out.append(Job(NAME, key, {"kind": "plan", "model": model, "first": first,
                                       "last": first + chunk, **plan}))  # fmt: skip
    out += [Job(NAME, f"learn/seed{s}", {"kind": "learn", "quick": quick, **_learn_params(s, quick)})
            for s in seeds[1:]]  # fmt: skip
    return out


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    if params["kind"] == "learn":
        return run_learn(params)
    if params["kind"] == "plan":
        return run_plan(params)
    raise ValueError(f"unknown job kind {params['kind']!r}")


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "max": None}
    return {"median": round(statistics.median(values), 4), "max": round(max(values), 4)}


def _model_summary(rows: list[dict[str, Any]], model: str) -> dict[str, Any]:
    mine = [r for r in rows if r["params"].get("model") == model]
    levels = [lv for r in mine if "error" not in r["result"] for lv in r["result"]["levels"]]
    solved = [lv for lv in levels if lv["solved"]]
    statuses = [lv["status"] for lv in levels]
    return {
        "levels": sum(r["params"]["last"] - r["params"]["first"] for r in mine),
        "planned": len(levels), "solved": len(solved),
        "model_plan_found": statuses.count("sat"), "model_unsat": statuses.count("unsat"),
        "budget_out": statuses.count("unknown"),
        "model_plan_fails_in_env": sum(lv["status"] == "sat" and not lv["solved"] for lv in levels),
        "model_mispredicts_plan": sum(lv["diverges_at"] is not None for lv in levels),
        "seconds_solved": _stats([lv["seconds"] for lv in solved]),
        "seconds_all": _stats([lv["seconds"] for lv in levels]),
        "expanded_solved": _stats([lv["expanded"] for lv in solved]),
        "expanded_all": _stats([lv["expanded"] for lv in levels]),
        "model_sha256": sorted({r["result"].get("model_sha256") for r in mine} - {None}),
        "errors": {r["key"]: r["result"]["error"] for r in mine if "error" in r["result"]},
    }  # fmt: skip


def _learn_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    mine = sorted((r for r in rows if r["params"]["kind"] == "learn"),
                  key=lambda r: r["params"]["seed"])  # fmt: skip
    keys = ("steps_to_correct_model", "steps_to_first_success", "total_env_steps", "episodes",
            "successes", "last_correctness", "learn_seconds", "model_sha256")  # fmt: skip
    by_seed = {r["params"]["seed"]: {k: r["result"].get(k) for k in keys} | (
        {"error": r["result"]["error"]} if "error" in r["result"] else {}) for r in mine}  # fmt: skip
    correct = [v["steps_to_correct_model"] for v in by_seed.values()
               if v["steps_to_correct_model"] is not None]  # fmt: skip
    return {"by_seed": by_seed, "seeds": len(mine), "correct": len(correct),
            "median_steps_to_correct_model": statistics.median(correct)
            if correct and len(correct) == len(mine) else "not correct"}  # fmt: skip


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    summary = {"learn": _learn_summary(rows)} | {m: _model_summary(rows, m) for m in MODELS}
    seed0 = summary["learn"]["by_seed"].get(0, {}).get("model_sha256")
    summary["learned_model_is_seed0_model"] = summary["learned"]["model_sha256"] == (
        [seed0] if seed0 else []
    )
    _plot(rows, out_dir / f"{NAME}{'-quick' if quick else ''}.png", summary)
    return summary


def _plot(rows: list[dict[str, Any]], path: Path, summary: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, field, label in ((axes[0], "seconds", "seconds per level"),
                             (axes[1], "expanded", "node expansions (pushes) per level")):  # fmt: skip
        values = {m: _values(rows, m, field) for m in MODELS}
        every = [v for vs in values.values() for v in vs]
        for model, color in (("reference", "tab:blue"), ("learned", "tab:orange")):
            if values[model]:
                s = summary[model]
                ax.hist(values[model], bins=_log_bins(every), alpha=0.55, color=color,
                        label=f"{model} model: {s['solved']}/{s['levels']} solved")  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("levels planned")
        ax.legend(fontsize=8)
    correct = summary["learn"]["median_steps_to_correct_model"]
    fig.suptitle(f"Sokoban: planning on Boxoban unfiltered-test-000 (real env checks every plan); "
                 f"steps to a correct model on the bundled levels: {correct}", fontsize=9)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _values(rows: list[dict[str, Any]], model: str, field: str) -> list[float]:
    """A field of every planned level of one model (at least 1e-3, for log scales)."""
    return [max(float(lv[field]), 1e-3) for r in rows if r["params"].get("model") == model
            and "error" not in r["result"] for lv in r["result"]["levels"]]  # fmt: skip


def _log_bins(values: list[float]) -> list[float]:
    lo, hi = min(values), max(values)
    if hi <= lo:
        return [lo / 2, hi * 2]
    count = 30
    return [lo * (hi / lo) ** (i / count) for i in range(count + 1)]
