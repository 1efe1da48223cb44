"""Solver benchmarks: consistency, planning engines and encodings, optimistic synthesis, equivalence.

    python bench/solver_bench.py [--quick] [--out DIR | --record]

Writes solver_bench.json and solver_bench.png to a new runs/solver_bench-TIME/, to DIR, or with
--record to bench/results/ (the recorded results; `bench.outputs`). Every figure is a
wall-clock measurement on this machine in one run; `--quick` shrinks the sizes for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.outputs import add_output_flags, output_dir
from dsl import core as C
from dsl.check import check_file
from dsl.parse import library_path
from dsl.values import Mission, State, Transition, state_from_json, transition_from_json
from plan import plan_to_goal
from solver import Bounds, Limits, Theory, check_consistency, equivalent, optimistic, plan
from worldcoder.argtypes import seconds
from worldcoder.envs import collect, make_env

ROOT = Path(__file__).resolve().parents[1]
MODELS = library_path("prelude").parent  # the model library, models/
ENCODINGS = (("int", "datatype"), ("int", "int"), ("bv", "datatype"), ("bv", "int"))

ALTERNATIVES = (
    "steps_on(goal)", "steps_on(lava)", "steps_on(wall)", "steps_on(door)", "steps_on(key)",
    "steps_on(floor)", "steps_on(box)", "action == done", "action == drop", "action == toggle",
    "action == pickup and holds_target(next)", "action == toggle and any_door_open(next)",
    "front_kind() == goal", "front_kind() == door", "next.agent.carrying == ball",
    "next.agent.carrying == box", "any(o in next.objects: o.kind == lava and o.open)",
    "false", "agent.x == 0 and agent.y == 0", "count(o in next.objects: o.carried) > 1",
)  # fmt: skip


def data_of(program: C.Program, env_id: str, n: int, seed: int) -> list[tuple[int, Transition]]:
    out: list[tuple[int, Transition]] = []
    for i, rec in enumerate(collect(env_id, 100_000, seed, max_steps=100)):
        if i >= n:
            break
        out.append((i + 1, transition_from_json(program.schema, rec, f"line {i + 1}")))
    return out


def start_of(program: C.Program, env_id: str, seed: int) -> tuple[State, Mission]:
    env = make_env(env_id)
    state, mission = env.reset(seed=seed)
    return state_from_json(program.schema, state), Mission.of(mission)


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def bench_consistency(program: C.Program, n: int) -> dict[str, Any]:
    data = data_of(program, "MiniGrid-DoorKey-8x8-v0", n, 0)
    fast, t_fast = timed(check_consistency, program, data)
    slow, t_slow = timed(check_consistency, program, data, Limits(timeout=600), engine="solver")
    row = {"transitions": len(data), "fast_path_s": t_fast, "solver_s": t_slow,
           "fast_status": fast.status, "solver_status": slow.status}  # fmt: skip
    print(f"consistency of minigrid.wc on {len(data)} transitions: fast {t_fast:.2f} s, solver {t_slow:.2f} s "
          f"({fast.status}/{slow.status})")  # fmt: skip
    return row


def bench_plans(program: C.Program, envs: list[str], timeout: float) -> list[dict[str, Any]]:
    rows = []
    for env_id in envs:
        s, mission = start_of(program, env_id, 0)
        bfs, t_bfs = timed(
            plan_to_goal, program, s, mission, 200, Limits(timeout=timeout), engine="bfs"
        )
        horizon = len(bfs.plan)
        row: dict[str, Any] = {
            "env": env_id,
            "shortest_plan": horizon,
            "bfs_s": t_bfs,
            "bfs_status": bfs.status,
            "z3": {},
        }
        for ints, enums in ENCODINGS:
            th = Theory(ints=ints, enums=enums)  # type: ignore[arg-type]
            z, t_z = timed(plan, program, s, mission, horizon, Limits(timeout=timeout), theory=th)
            row["z3"][f"{ints}+{enums}"] = {
                "seconds": t_z,
                "status": z.status,
                "length": len(z.plan),
            }
            print(
                f"plan {env_id} H={horizon}: z3[{ints}+{enums}] {z.status} {t_z:.2f} s; bfs {t_bfs:.2f} s"
            )
        rows.append(row)
    return rows


def bench_optimistic(tmp: Path, n_data: int) -> dict[str, Any]:
    for f in MODELS.glob("*.wc"):
        shutil.copy(f, tmp / f.name)
    path = tmp / "minigrid.wc"
    text = path.read_text()
    old = "def success() -> bool = steps_on(goal) or task_success()"
    assert old in text
    path.write_text(
        text.replace(old, "def success() -> bool = ??{" + ", ".join(ALTERNATIVES) + "}")
    )
    sketch = check_file(path)
    data = data_of(sketch, "MiniGrid-DoorKey-8x8-v0", n_data, 1)
    s, mission = start_of(sketch, "MiniGrid-DoorKey-8x8-v0", 0)
    result, seconds = timed(optimistic, sketch, data, s, mission, 30, Limits(timeout=600))
    print(f"optimistic DoorKey-8x8 H=30, {len(ALTERNATIVES)} alternatives, {len(data)} transitions: "
          f"{result.status} in {seconds:.2f} s; chose {list(result.holes.values())}, plan of {len(result.plan)}")  # fmt: skip
    return {"alternatives": len(ALTERNATIVES), "transitions": len(data), "horizon": 30, "seconds": seconds,
            "status": result.status, "chosen": list(result.holes.values()), "plan": result.plan}  # fmt: skip


def bench_equivalence(program: C.Program, tmp: Path) -> list[dict[str, Any]]:
    rows = []
    mutants = {
        "box toggle removes a ball": (
            "toggles(o) and o.kind == box",
            "toggles(o) and o.kind == ball",
        ),
        "left turns right": ("left => turn_left(agent.dir)", "left => turn_right(agent.dir)"),
        "lava is not deadly": ("failure() -> bool = steps_on(lava) or", "failure() -> bool ="),
    }
    for name, (old, new) in mutants.items():
        for f in MODELS.glob("*.wc"):
            shutil.copy(f, tmp / f.name)
        path = tmp / "minigrid.wc"
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))
        mutant = check_file(path)
        found, seconds = timed(
            equivalent, program, mutant, Bounds(8, 8, 3), Mission.of("get to the green goal square")
        )
        print(
            f"equivalence vs mutant '{name}': {found.status} in {seconds:.3f} s (action {found.action})"
        )
        rows.append(
            {"mutant": name, "status": found.status, "seconds": seconds, "action": found.action}
        )
    same, seconds = timed(equivalent, program, program, Bounds(8, 8, 3))
    print(
        f"equivalence of minigrid.wc with itself (8x8, 3 objects): {same.status} in {seconds:.2f} s"
    )
    rows.append(
        {"mutant": "none (itself)", "status": same.status, "seconds": seconds, "action": None}
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--timeout", type=seconds, default=300.0)
    parser.add_argument("--sections", default="consistency,plans,optimistic,equivalence",
                        help="run only these; others keep their recorded results")  # fmt: skip
    add_output_flags(parser, "solver_bench")
    args = parser.parse_args()
    out = output_dir(args, "solver_bench")
    program = check_file(MODELS / "minigrid.wc")
    envs = ["MiniGrid-DoorKey-5x5-v0", "MiniGrid-DoorKey-8x8-v0"] + (
        [] if args.quick else ["MiniGrid-DoorKey-16x16-v0"]
    )
    sections = set(args.sections.split(","))
    path = out / "solver_bench.json"
    result: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    commands = result.get("commands", {})
    command = "python " + " ".join(["bench/solver_bench.py", *sys.argv[1:]])
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "consistency" in sections:
            result["consistency"] = bench_consistency(program, 1000 if args.quick else 10_000)
        if "plans" in sections:
            result["plans"] = bench_plans(program, envs, args.timeout)
        if "optimistic" in sections:
            result["optimistic"] = bench_optimistic(tmp, 100 if args.quick else 300)
        if "equivalence" in sections:
            result["equivalence"] = bench_equivalence(program, tmp)
    for section in sections:
        commands[section] = command
    result["commands"] = commands
    result.pop("command", None)
    path.write_text(json.dumps(result, indent=2) + "\n")
    plot(result, out / "solver_bench.png")


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    rows = result["plans"]
    names = ["bfs"] + [f"{i}+{e}" for i, e in ENCODINGS]
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        ys = [r["bfs_s"] if name == "bfs" else r["z3"][name]["seconds"] for r in rows]
        xs = [i + (k - len(names) / 2) * width for i in range(len(rows))]
        ax1.bar(xs, ys, width, label=name if name == "bfs" else f"z3 {name}")
    ax1.set_xticks(
        range(len(rows)),
        [f"{r['env'].replace('MiniGrid-', '')}\nH={r['shortest_plan']}" for r in rows],
    )
    ax1.set_yscale("log")
    ax1.set_ylabel("seconds (log)")
    ax1.set_title("Plan at the shortest horizon: BFS vs Z3 BMC encodings")
    ax1.legend(fontsize=8)
    c = result["consistency"]
    labels = [f"consistency\nfast ({c['transitions']})", f"consistency\nsolver ({c['transitions']})",
              "optimistic\nDoorKey-8x8 H=30"] + [f"equiv: {r['mutant']}" for r in result["equivalence"]]  # fmt: skip
    values = [c["fast_path_s"], c["solver_s"], result["optimistic"]["seconds"]] + [
        r["seconds"] for r in result["equivalence"]
    ]
    ax2.barh(labels, values)
    ax2.set_xscale("log")
    ax2.set_xlabel("seconds (log)")
    ax2.set_title("Queries")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
