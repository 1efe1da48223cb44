"""Microseconds per step: compiled model vs reference interpreter vs the real `env.step`, one run.

For each environment, random-policy transitions are recorded once; then the same steps are
replayed through (1) the raw gymnasium `env.step` (same seeds, same actions), (2) the object-
centric adapter's `step` (env.step plus state extraction), (3) the compiled reference model's
`step` on `State`s, once per backend (`closures_model`, `codegen_model`; `compiled_model` is the
default backend's), (4) the model as the planners step it (`expansion`: every action from each
recorded state on flat states, per action step), (5) the interpreter. Writes step_speed.json and step_speed.png to a new runs/step_speed-TIME/,
to DIR, or with --record to bench/results/ (the recorded results; `bench.outputs`).

    python bench/step_speed.py [--steps 3000] [--envs MiniGrid-DoorKey-8x8-v0,...] [--out DIR | --record]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium

from bench.outputs import add_output_flags, output_dir
from dsl.check import check_file
from dsl.compile import BACKENDS, DEFAULT_BACKEND, CompiledModel, Expansion, compile_program
from dsl.interp import run_step
from dsl.values import Mission, State, state_from_json
from worldcoder.domains import env_domain
from worldcoder.envs import SokobanEnv, bundled_levels_path, collect, load_levels, make_env

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ENVS = (
    "MiniGrid-Empty-8x8-v0",
    "MiniGrid-DoorKey-8x8-v0",
    "MiniGrid-FourRooms-v0",
    "MiniGrid-KeyCorridorS3R3-v0",
    "Sokoban",
    "Taxi-v4",
)


def record_steps(env_id: str, steps: int, seed: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rec in collect(env_id, 10_000, seed, max_steps=100):
        out.append(rec)
        if len(out) >= steps:
            break
    return out


def time_expansion(model: CompiledModel, inputs: list[tuple[State, str, Mission]]) -> float:
    """Microseconds per model step as the planners take them (`CompiledModel.expansion`: every
    action from a state at once, on flat states with generated code), from the recorded states;
    their keys are made before the clock starts, as a search makes each key once."""
    spaces: dict[tuple[str, ...], Expansion] = {}
    keyed = []
    for state, _, mission in inputs:
        space = spaces.get(mission.words)
        if space is None:
            space = spaces[mission.words] = model.expansion(mission)
        keyed.append((space.successors, space.key(state)))
    gc.collect()  # earlier garbage is not collected on this clock
    t0 = time.perf_counter()
    for successors, key in keyed:
        successors(key)
    seconds = time.perf_counter() - t0
    return 1e6 * seconds / max(1, len(keyed) * len(model.program.schema.actions))


def raw_env(env_id: str) -> Any:
    """The gymnasium environment itself, as a user would make it (our SokobanEnv for Sokoban)."""
    if env_id == "Sokoban":
        return SokobanEnv(load_levels(bundled_levels_path()), level=0, max_steps=100)
    return gymnasium.make(env_id, max_episode_steps=100)


def time_raw_env(env_id: str, records: list[dict[str, Any]], seed: int) -> float:
    """Seconds spent inside gymnasium's env.step replaying the recorded actions."""
    actions = list(make_env(env_id).actions)
    env = raw_env(env_id)
    total = 0.0
    episode = -1
    for rec in records:
        if rec["episode"] != episode:
            episode = rec["episode"]
            env.reset(seed=seed + episode)
        a = actions.index(rec["action"])
        t0 = time.perf_counter()
        env.step(a)
        total += time.perf_counter() - t0
    return total


def time_adapter(env_id: str, records: list[dict[str, Any]], seed: int) -> float:
    adapter = make_env(env_id, max_steps=100)
    total = 0.0
    episode = -1
    for rec in records:
        if rec["episode"] != episode:
            episode = rec["episode"]
            adapter.reset(seed=seed + episode)
        t0 = time.perf_counter()
        adapter.step(rec["action"])
        total += time.perf_counter() - t0
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--interp-steps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--envs", default=",".join(DEFAULT_ENVS))
    add_output_flags(parser, "step_speed")
    args = parser.parse_args()
    out = output_dir(args, "step_speed")
    rows = []
    for env_id in args.envs.split(","):
        program = check_file(env_domain(env_id).reference_path)
        models = {b: compile_program(program, b) for b in BACKENDS}
        records = record_steps(env_id, args.steps, args.seed)
        inputs: list[tuple[State, str, Mission]] = [
            (state_from_json(program.schema, r["state"]), r["action"], Mission.of(r["mission"]))
            for r in records
        ]
        n = len(records)
        per_backend = {}
        for backend, model in models.items():
            t0 = time.perf_counter()
            for s, a, m in inputs:
                model.step(s, a, m)
            per_backend[f"{backend}_model"] = 1e6 * (time.perf_counter() - t0) / n
        few = inputs[: args.interp_steps]
        t0 = time.perf_counter()
        for s, a, m in few:
            run_step(program, s, a, m)
        interp = time.perf_counter() - t0
        raw = time_raw_env(env_id, records, args.seed)
        adapter = time_adapter(env_id, records, args.seed)
        row = {
            "env": env_id,
            "steps": n,
            "objects": len(inputs[0][0].objects),
            "us_per_step": {
                "compiled_model": per_backend[f"{DEFAULT_BACKEND}_model"],
                **per_backend,
                "expansion": time_expansion(models[DEFAULT_BACKEND], inputs),
                "interpreter": 1e6 * interp / len(few),
                "env_step": 1e6 * raw / n,
                "adapter_step": 1e6 * adapter / n,
            },
        }
        rows.append(row)
        us = row["us_per_step"]
        print(
            f"{env_id:32s} objects={row['objects']:4d} closures={us['closures_model']:6.1f}us "
            f"codegen={us['codegen_model']:6.1f}us expansion={us['expansion']:5.2f}us "
            f"interp={us['interpreter']:9.1f}us env.step={us['env_step']:7.1f}us "
            f"adapter={us['adapter_step']:7.1f}us"
        )
    result = {
        "command": "python " + " ".join(["bench/step_speed.py", *sys.argv[1:]]),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": list(os.getloadavg()),
        },
        "results": rows,
    }
    (out / "step_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(rows, out / "step_speed.png")


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = ["closures_model", "codegen_model", "expansion", "interpreter", "env_step",
             "adapter_step"]  # fmt: skip
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(kinds)
    for k, kind in enumerate(kinds):
        xs = [i + (k - (len(kinds) - 1) / 2) * width for i in range(len(rows))]
        ax.bar(xs, [r["us_per_step"][kind] for r in rows], width, label=kind)
    ax.set_xticks(range(len(rows)), [r["env"].replace("MiniGrid-", "") for r in rows], rotation=20)
    ax.set_yscale("log")
    ax.set_ylabel("microseconds per step (log)")
    ax.set_title("One step: compiled DSL model vs interpreter vs real env.step")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
