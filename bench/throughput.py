"""Throughput: one model step (compiled vs interpreter vs the real env) and planner expansions/s.

One job per environment. It records random-policy transitions once, then replays the same steps
through the reference model (`models/*.wc`) compiled by each backend of `dsl.compile` (closures,
generated code; `compiled_model` is the default one), through the default model as the planners
step it (`expansion`: all actions from each state, flat states; per action step), the reference
interpreter, the raw environment's `step` and the object-centric adapter's `step`, and reports
microseconds per step. Compiling each backend's model (with the planners' generated flat form)
is timed apart (`compile_ms`). Then it plans in the compiled reference model (default backend)
from the starts of a few seeds with BFS, A* (Manhattan heuristic) and MCTS, and with BFS in the
model of every other backend (`bfs_closures`: `State` keys, the figure before the code
generator), and reports node expansions per second of wall-clock and of CPU time (the machine
is shared), plan length and status.

    worldcoder-bench --only throughput [--quick]

Writes bench/results/throughput.json (throughput-quick.json) and throughput.png.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

from bench.suite import Job

NAME = "throughput"
ENVS = (
    "MiniGrid-Empty-8x8-v0", "MiniGrid-DoorKey-8x8-v0", "MiniGrid-DoorKey-16x16-v0",
    "MiniGrid-FourRooms-v0", "MiniGrid-KeyCorridorS3R3-v0", "Sokoban", "Taxi-v4",
)  # fmt: skip
QUICK_ENVS = ("MiniGrid-DoorKey-5x5-v0", "Taxi-v4")
PLANNERS = ("bfs", "astar", "mcts")


def jobs(quick: bool) -> list[Job]:
    envs = QUICK_ENVS if quick else ENVS
    params = {"steps": 500, "interp_steps": 100, "plan_seeds": 1, "plan_timeout": 10.0} if quick \
        else {"steps": 5000, "interp_steps": 1000, "plan_seeds": 3, "plan_timeout": 60.0}  # fmt: skip
    return [Job(NAME, env, {"env": env, "seed": 0, **params}) for env in envs]


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    from bench.step_speed import record_steps, time_adapter, time_expansion, time_raw_env
    from dsl.check import check_file
    from dsl.compile import BACKENDS, DEFAULT_BACKEND, compile_program
    from dsl.interp import run_step
    from dsl.values import Mission, state_from_json
    from worldcoder.domains import env_domain

    env, seed = params["env"], params["seed"]
    program = check_file(env_domain(env).reference_path)
    models, compile_ms = {}, {}
    for b in BACKENDS:  # compiling, with the planners' flat form when it has one, is timed apart
        t0 = time.perf_counter()
        models[b] = compile_program(program, b)
        models[b].expansion(Mission.of(""))
        compile_ms[b] = round(1e3 * (time.perf_counter() - t0), 1)
    records = record_steps(env, params["steps"], seed)
    inputs = [(state_from_json(program.schema, r["state"]), r["action"], Mission.of(r["mission"]))
              for r in records]  # fmt: skip
    compiled = {f"{b}_model": _per_step(m.step, inputs) for b, m in models.items()}
    interp = _per_step(lambda s, a, m: run_step(program, s, a, m), inputs[: params["interp_steps"]])
    n = len(records)
    planners = _planners(env, models[DEFAULT_BACKEND], params, PLANNERS)
    for b in BACKENDS:
        if b != DEFAULT_BACKEND:
            planners[f"bfs_{b}"] = _planners(env, models[b], params, ("bfs",))["bfs"]
    return {
        "steps": n, "objects": len(inputs[0][0].objects), "default_backend": DEFAULT_BACKEND,
        "compile_ms": compile_ms,
        "us_per_step": {
            "compiled_model": compiled[f"{DEFAULT_BACKEND}_model"], **compiled,
            "expansion": time_expansion(models[DEFAULT_BACKEND], inputs),
            "interpreter": interp,
            "env_step": 1e6 * time_raw_env(env, records, seed) / n,
            "adapter_step": 1e6 * time_adapter(env, records, seed) / n,
        },
        "planners": planners,
    }  # fmt: skip


def _per_step(step: Any, inputs: list[Any]) -> float:
    gc.collect()  # earlier garbage is not collected on this clock
    t0 = time.perf_counter()
    for s, a, m in inputs:
        step(s, a, m)
    return 1e6 * (time.perf_counter() - t0) / max(1, len(inputs))


def _planners(
    env: str, model: Any, params: dict[str, Any], planners: tuple[str, ...]
) -> dict[str, Any]:
    from dsl.values import Mission, state_from_json
    from plan import astar_plan, bfs_plan, manhattan_heuristic, mcts_plan
    from worldcoder.envs import make_env

    schema = model.program.schema
    out: dict[str, Any] = {}
    for planner in planners:
        runs = []
        for seed in range(params["plan_seeds"]):
            state, mission = make_env(env).reset(seed=seed)
            start, goal = state_from_json(schema, state), Mission.of(mission)
            kw: dict[str, Any] = {"max_nodes": 2_000_000, "timeout": params["plan_timeout"]}
            gc.collect()  # the job's earlier garbage is not collected on this search's clock
            t0, c0 = time.perf_counter(), time.process_time()
            if planner == "bfs":
                found = bfs_plan(model, start, goal, 200, **kw)
            elif planner == "astar":
                found = astar_plan(
                    model, start, goal, 200, heuristic=manhattan_heuristic(schema), **kw
                )
            else:
                found = mcts_plan(model, start, goal, 200, seed=seed, **kw)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            runs.append({"seed": seed, "status": found.status, "plan_length": len(found.plan),
                         "expanded": found.expanded, "seconds": round(seconds, 4),
                         "cpu_seconds": round(cpu, 4),
                         "expansions_per_second": found.expanded / max(seconds, 1e-9)})  # fmt: skip
        out[planner] = runs
    return out


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    ok = [r for r in rows if "error" not in r["result"]]
    table = {
        r["key"]: {
            "us_per_step": {k: round(v, 2) for k, v in r["result"]["us_per_step"].items()},
            "compiled_speedup_over_interpreter": round(
                r["result"]["us_per_step"]["interpreter"] / r["result"]["us_per_step"]["compiled_model"], 1),
            "compiled_speedup_over_env_step": round(
                r["result"]["us_per_step"]["env_step"] / r["result"]["us_per_step"]["compiled_model"], 1),
            "expansion_speedup_over_env_step": round(
                r["result"]["us_per_step"]["env_step"] / r["result"]["us_per_step"]["expansion"], 1),
            "codegen_speedup_over_closures": round(
                r["result"]["us_per_step"]["closures_model"] / r["result"]["us_per_step"]["codegen_model"], 1),
            "expansions_per_second": {
                p: round(sum(x["expanded"] for x in runs) / max(1e-9, sum(x["seconds"] for x in runs)))
                for p, runs in r["result"]["planners"].items()
            },
            "expansions_per_cpu_second": {
                p: round(sum(x["expanded"] for x in runs) / max(1e-9, sum(x["cpu_seconds"] for x in runs)))
                for p, runs in r["result"]["planners"].items()
            },
        }
        for r in ok
    }  # fmt: skip
    if ok:
        _plot(table, out_dir / f"{NAME}{'-quick' if quick else ''}.png")
    return {"envs": table, "failed": [r["key"] for r in rows if "error" in r["result"]]}


def _plot(table: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    envs = list(table)
    labels = [e.replace("MiniGrid-", "") for e in envs]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.5))
    kinds = ("closures_model", "codegen_model", "expansion", "interpreter", "env_step",
             "adapter_step")  # fmt: skip
    w = 0.8 / len(kinds)
    for k, kind in enumerate(kinds):
        xs = [i + (k - (len(kinds) - 1) / 2) * w for i in range(len(envs))]
        ax.bar(xs, [table[e]["us_per_step"][kind] for e in envs], w, label=kind)
    ax.set_xticks(range(len(envs)), labels, rotation=20)
    ax.set(yscale="log", ylabel="microseconds per step (log)", title="one step")
    ax.legend()
    planners = list(table[envs[0]]["expansions_per_second"])
    width = 0.8 / len(planners)
    for k, planner in enumerate(planners):
        xs = [i + (k - (len(planners) - 1) / 2) * width for i in range(len(envs))]
        rates = [table[e]["expansions_per_second"][planner] for e in envs]
        bx.bar(xs, rates, width, label=planner)
    bx.set_xticks(range(len(envs)), labels, rotation=20)
    bx.set(yscale="log", ylabel="node expansions per second (log)", title="planning in the model")
    bx.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
