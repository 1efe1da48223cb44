"""The paper's claim (c): curriculum transfer against learning each environment from scratch.

`curriculum`: one `worldcoder curriculum` run over the default curriculum
(`worldcoder.curriculum.DEFAULT_CURRICULUM`: Empty-5x5, DoorKey-5x5, Unlock, Fetch-6x6-N2,
UnlockPickup, BlockedUnlockPickup) per seed 0-2: one model kept and refined across the stages,
each stage starting from the previous stage's final model with all earlier transitions as data.
`scratch`: one `worldcoder learn` run per environment and seed with the same settings (default
agent, 30 episodes, stop at 10 successes in a row). Quick: the curriculum Empty-5x5 then
Empty-8x8 against both from scratch, seed 0. Every run is a subprocess in a temporary directory,
killed at a wall-clock cap.

Per stage (and per scratch run), from the run directory's logs (bench/optimism.py `run_figures`):
env steps of that stage only (inherited transitions are not counted) to the first success, to 10
successes in a row, and to a correct model (the agent's bounded-equivalence check, made only
until the stage ends at its streak; an inherited model is checked at the stage's step 0), the
task yardstick (bench/optimism.py `task_correct`, where an inherited model that already passes
counts at step 0), synthesis calls and seconds. A stage after one that did not reach its streak
is not run (the curriculum stops there) and has no figures.

The summary gives per env x mode medians over seeds (not reached = infinite; an infinite median
is null) and, per seed, the total env steps of the whole curriculum against the sum over the
scratch runs. The plot curriculum[-quick].png: per env, both modes' env steps to 10 in a row and
to a correct model (agent's check), log scale, bars medians, dots seeds, x not reached.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.optimism import STREAK, draw, group_table, run_figures, task_correct
from bench.runs import run_cli
from bench.suite import Job

NAME = "curriculum"
SEEDS = (0, 1, 2)
QUICK_ENVS = ("MiniGrid-Empty-5x5-v0", "MiniGrid-Empty-8x8-v0")
EPISODES = 30
CURRICULUM_WALL = 10_800.0
SCRATCH_WALL = 3_600.0
QUICK_WALL = 120.0
HORIZON = 40


def default_envs() -> tuple[str, ...]:
    from worldcoder.curriculum import DEFAULT_CURRICULUM

    return DEFAULT_CURRICULUM


def jobs(quick: bool) -> list[Job]:
    envs, seeds = (QUICK_ENVS, SEEDS[:1]) if quick else (default_envs(), SEEDS)
    walls = (QUICK_WALL, QUICK_WALL) if quick else (CURRICULUM_WALL, SCRATCH_WALL)
    out = [
        Job(NAME, f"curriculum/seed{seed}", {"mode": "curriculum", "envs": list(envs),
                                             "seed": seed, "wall_seconds": walls[0]})
        for seed in seeds
    ]  # fmt: skip
    out += [
        Job(NAME, f"scratch/{env}/seed{seed}", {"mode": "scratch", "env": env, "seed": seed,
                                                "wall_seconds": walls[1]})
        for env in envs
        for seed in seeds
    ]  # fmt: skip
    return out


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="curriculum-") as tmp:
        t0 = time.perf_counter()
        if params["mode"] == "curriculum":
            result = _curriculum(params, Path(tmp) / "curriculum")
        else:
            result = _scratch(params, Path(tmp) / "run")
        return result | {"wall_seconds": round(time.perf_counter() - t0, 2)}


def _common(params: dict[str, Any]) -> list[str]:
    return ["--seed", str(params["seed"]), "--episodes", str(EPISODES), "--streak", str(STREAK),
            "--horizon", str(HORIZON)]  # fmt: skip


def _curriculum(params: dict[str, Any], root: Path) -> dict[str, Any]:
    envs = params["envs"]
    args = ["curriculum", "--envs", ",".join(envs), *_common(params), "--run-dir", str(root)]
    capped = run_cli(args, params["wall_seconds"]) is None
    stages = [_stage(env, root / f"{i:02d}-{env}") for i, env in enumerate(envs)]
    return {"capped": capped, "stages": stages,
            "stages_completed": sum(s.get("steps_to_streak") is not None for s in stages),
            "total_env_steps": sum(s.get("total_env_steps") or 0 for s in stages)}  # fmt: skip


def _stage(env: str, path: Path) -> dict[str, Any]:
    if not (path / "config.json").exists():
        return {"env": env, "ran": False}
    return {
        "env": env,
        "ran": True,
        **run_figures(path, STREAK),
        **task_correct(path, env, HORIZON),
    }


def _scratch(params: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    env = params["env"]
    args = ["learn", "--env", env, *_common(params), "--run-dir", str(run_dir)]
    capped = run_cli(args, params["wall_seconds"]) is None
    return {"capped": capped, **run_figures(run_dir, STREAK), **task_correct(run_dir, env, HORIZON)}


# ----------------------------------------------------------------------------- summary


def stage_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every curriculum stage and scratch run as a row {"params": {env, method, seed}, "result"}
    (a stage that was not run counts as reaching nothing; a failed job as an error)."""
    out: list[dict[str, Any]] = []
    for row in rows:
        params, result = row["params"], row["result"]
        if params["mode"] == "scratch":
            out.append({"params": {"env": params["env"], "method": "scratch",
                                   "seed": params["seed"]}, "result": result})  # fmt: skip
            continue
        stages = result.get("stages") or [{"env": e, "error": result.get("error")} for e in params["envs"]]  # fmt: skip
        for stage in stages:
            out.append({"params": {"env": stage["env"], "method": "curriculum",
                                   "seed": params["seed"]}, "result": stage})  # fmt: skip
    return out


def totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per seed: the curriculum's total env steps and stages completed, against the sum of the
    scratch runs' env steps and how many of them reached the streak."""
    out = []
    for seed in sorted({r["params"]["seed"] for r in rows}):
        mine = [r["result"] for r in rows if r["params"]["seed"] == seed and "error" not in r["result"]]  # fmt: skip
        cur = [r for r in mine if "stages" in r]
        scratch = [r for r in mine if "stages" not in r]
        out.append({
            "seed": seed,
            "curriculum_env_steps": cur[0]["total_env_steps"] if cur else None,
            "curriculum_stages_completed": cur[0]["stages_completed"] if cur else None,
            "scratch_env_steps": sum(r["total_env_steps"] for r in scratch) if scratch else None,
            "scratch_runs_completed": sum(r.get("steps_to_streak") is not None for r in scratch),
            "scratch_runs": len(scratch),
        })  # fmt: skip
    return out


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    table = group_table(stage_rows(rows), ("env", "method"))
    order = list(dict.fromkeys(t["env"] for t in table))
    table.sort(key=lambda t: (order.index(t["env"]), t["method"]))
    for t in table:
        t.pop("median_wall_seconds", None)  # a stage has no wall time of its own
    plot = out_dir / f"{NAME}{'-quick' if quick else ''}.png"
    draw(table, plot, "env", [("steps_to_streak", f"{STREAK} successes in a row"),
                              ("steps_to_correct_model", "a correct model (agent's check)")])  # fmt: skip
    per_seed = totals(rows)
    return {
        "plot": plot.name,
        "meaning": "env steps of each stage only (inherited transitions not counted); a "
        "correct model is checked only until the stage reaches its streak; medians over seeds, "
        "null = not reached by most seeds",
        "table": table,
        "totals": per_seed,
        "median_curriculum_env_steps": _median([t["curriculum_env_steps"] for t in per_seed]),
        "median_scratch_env_steps": _median([t["scratch_env_steps"] for t in per_seed]),
    }


def _median(values: list[Any]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None
