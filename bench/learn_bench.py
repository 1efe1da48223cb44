"""Learning-by-acting benchmark: `worldcoder learn` from scratch (offline enumerative proposer, BFS
planner) on MiniGrid environments over several seeds.

For every (environment, seed) one run is started in its own run directory with a wall-clock cap;
its report.json gives env steps to the first success and to a correct model (bounded equivalence
with models/minigrid.wc, null when no accepted model was proved equivalent), total env steps,
whether the 10-in-a-row streak was reached, synthesis seconds and calls. A run cut by the cap is
recorded with `"finished": false` and the figures of its last report.

    python bench/learn_bench.py [--envs MiniGrid-Empty-5x5-v0,...] [--seeds 0,1,2]
                                [--episodes 30] [--cap 900] [--jobs 1] [--out DIR | --record]

Writes learn_bench.json (with the command) and learn_bench.png to a new runs/learn_bench-TIME/,
to DIR, or with --record to bench/results/ (the recorded results; `bench.outputs`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.outputs import add_output_flags, output_dir
from bench.runs import run_cli
from bench.suite import code_version
from worldcoder.argtypes import seconds

ENVS = "MiniGrid-Empty-5x5-v0,MiniGrid-DoorKey-5x5-v0,MiniGrid-Unlock-v0"
FIELDS = ("total_env_steps", "steps_to_first_success", "steps_to_correct_model", "success_streak",
          "episodes", "successes", "synthesis_seconds", "synthesis_calls", "counterexamples",
          "distinguishing_explorations", "model_accuracy", "heldout_accuracy")  # fmt: skip


def run_one(env: str, seed: int, episodes: int, cap: float, work: Path) -> dict[str, Any]:
    run_dir = work / f"{env}-seed{seed}"
    t0 = time.perf_counter()
    finished = run_cli(["learn", "--env", env, "--seed", str(seed), "--episodes", str(episodes),
                        "--run-dir", str(run_dir)], cap) is not None  # fmt: skip
    seconds = time.perf_counter() - t0
    report_path = run_dir / "report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    row: dict[str, Any] = {"env": env, "seed": seed, "finished": finished,
                           "wall_seconds": round(seconds, 1)}  # fmt: skip
    row |= {k: report.get(k) for k in FIELDS}
    row["solved"] = (report.get("success_streak") or 0) >= 10
    print(json.dumps(row), flush=True)
    return row


def plot(rows: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    envs = list(dict.fromkeys(r["env"] for r in rows))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for i, env in enumerate(envs):
        for r in (r for r in rows if r["env"] == env):
            first = r["steps_to_first_success"]
            total = r["total_env_steps"] or 0
            ax.scatter(i, total, marker="o" if r["solved"] else "x", color="C0")
            if first is not None:
                ax.scatter(i + 0.1, first, marker="^", color="C1")
    ax.set_xticks(range(len(envs)), [e.replace("MiniGrid-", "") for e in envs])
    ax.set_ylabel("env steps")
    ax.set_title("o: 10 in a row reached (total steps), x: not reached, ^: first success")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--envs", default=ENVS)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--episodes", type=int, default=30)
    p.add_argument("--cap", type=seconds, default=900.0, help="wall-clock seconds per run")
    p.add_argument("--jobs", type=int, default=1)
    add_output_flags(p, "learn_bench")
    args = p.parse_args()
    results = output_dir(args, "learn_bench")
    jobs = [(e, int(s)) for e in args.envs.split(",") for s in args.seeds.split(",")]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as pool:
        rows = list(
            pool.map(lambda j: run_one(j[0], j[1], args.episodes, args.cap, Path(tmp)), jobs)
        )
    out = {"command": "python bench/learn_bench.py " + " ".join(sys.argv[1:]),
           "commit": code_version(),
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
           "runs": rows}  # fmt: skip
    (results / "learn_bench.json").write_text(json.dumps(out, indent=2) + "\n")
    plot(rows, results / "learn_bench.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
