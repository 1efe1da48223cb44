"""The LLM loop's ceiling: `worldcoder learn --proposer llm` with an LLM that is always right.

An OpenAI-compatible server on 127.0.0.1 (`bench.llm_server`) answers every request with the
text of the hand-written reference model (`models/minigrid.wc` without its import), through the
real `openai` client and the whole agent loop (prompt, grammar check, type check, consistency and
optimism scoring, planning, acting). What is left is the loop's own cost: env steps until the
first success and until 10 successes in a row, against the oracle's episode length (the mean
shortest solution, by BFS in the reference model, of the run's first 10 episode starts).

Jobs: DoorKey-5x5 and Unlock with `learn`, and the default curriculum (six stages, one model kept
across them), seeds 0-2, each with the default 100 random steps before the first synthesis
(`--explore-steps 100`) and with none (`--explore-steps 0`). Quick: DoorKey-5x5, seed 0, both.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.llm_server import FakeOpenAI, reply
from bench.optimism import STREAK, draw, group_table, run_figures
from bench.runs import run_cli
from bench.suite import Job

NAME = "llm_ceiling"
SEEDS = (0, 1, 2)
ENVS = ("MiniGrid-DoorKey-5x5-v0", "MiniGrid-Unlock-v0")
EXPLORE = (100, 0)
WALL = 1_800.0
HORIZON = 40


def jobs(quick: bool) -> list[Job]:
    seeds = SEEDS[:1] if quick else SEEDS
    out = [
        Job(NAME, f"learn/{env}/explore{explore}/seed{seed}",
            {"mode": "learn", "env": env, "seed": seed, "explore_steps": explore})
        for env in (ENVS[:1] if quick else ENVS)
        for explore in EXPLORE
        for seed in seeds
    ]  # fmt: skip
    if not quick:
        out += [
            Job(NAME, f"curriculum/explore{explore}/seed{seed}",
                {"mode": "curriculum", "seed": seed, "explore_steps": explore})
            for explore in EXPLORE
            for seed in seeds
        ]  # fmt: skip
    return out


def reference_body() -> str:
    """The reference MiniGrid model as an LLM would answer it: the body, without imports."""
    from dataclasses import replace

    from dsl.parse import parse_file
    from dsl.pretty import pretty
    from dsl.syntax import Import
    from worldcoder.domains import domain

    module = parse_file(domain("minigrid").reference_path)
    return pretty(
        replace(module, items=tuple(i for i in module.items if not isinstance(i, Import)))
    )


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="llm-ceiling-") as tmp,
        FakeOpenAI(default=reply(reference_body())) as server,
    ):
        flags = [
            "--llm-model",
            "oracle",
            "--llm-base-url",
            server.base_url,
            "--seed",
            str(params["seed"]),
            "--explore-steps",
            str(params["explore_steps"]),
            "--horizon",
            str(HORIZON),
            "--streak",
            str(STREAK),
            "--prior",
            "hint",
        ]  # fmt: skip  (the reference model uses the hint helpers)
        t0 = time.perf_counter()
        if params["mode"] == "learn":
            run = Path(tmp) / "run"
            args = ["learn", "--env", params["env"], *flags, "--run-dir", str(run)]
            capped = run_cli(args, WALL, env={"OPENAI_API_KEY": "oracle"}) is None
            stages = [_stage(params["env"], run, params["seed"])]
        else:
            from worldcoder.curriculum import DEFAULT_CURRICULUM

            root = Path(tmp) / "curriculum"
            args = ["curriculum", *flags, "--run-dir", str(root)]
            capped = run_cli(args, WALL, env={"OPENAI_API_KEY": "oracle"}) is None
            stages = [_stage(env, root / f"{i:02d}-{env}", params["seed"])
                      for i, env in enumerate(DEFAULT_CURRICULUM)]  # fmt: skip
        requests = len(server.requests)
    return {"capped": capped, "stages": stages, "llm_requests": requests,
            "wall_seconds": round(time.perf_counter() - t0, 2)}  # fmt: skip


def _stage(env: str, run: Path, seed: int) -> dict[str, Any]:
    figures = run_figures(run, STREAK) if (run / "config.json").exists() else {}
    oracle = oracle_length(env, seed)
    first = figures.get("steps_to_first_success")
    return {"env": env, "oracle_length": oracle, **figures,
            "first_success_over_oracle": None if first is None else round(first / oracle, 2)}  # fmt: skip


def oracle_length(env_id: str, seed: int, episodes: int = 10) -> float:
    """The mean shortest solution (BFS in the reference model) from the starts of episodes
    seed .. seed + episodes - 1, as the agent plays them."""
    from bench.optimism import _reference
    from dsl.values import Mission, state_from_json
    from plan.bfs import bfs_plan
    from worldcoder.envs import make_env

    reference, schema = _reference(env_id)
    env = make_env(env_id)
    lengths = []
    for s in range(seed, seed + episodes):
        state, mission = env.reset(seed=s)
        found = bfs_plan(reference, state_from_json(schema, state), Mission.of(mission), 100)
        assert found.status == "sat", f"{env_id} seed {s}: the reference model finds no plan"
        lengths.append(len(found.plan))
    env.close()
    return round(statistics.mean(lengths), 2)


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    flat = [
        {"params": {"env": stage["env"], "mode": row["params"]["mode"],
                    "explore_steps": row["params"]["explore_steps"], "seed": row["params"]["seed"]},
         "result": stage}
        for row in rows
        for stage in row["result"].get("stages", [])
    ]  # fmt: skip
    keys = ("mode", "env", "explore_steps")
    table = group_table(flat, keys)
    for t in table:
        results = [r["result"] for r in flat if all(r["params"][k] == t[k] for k in keys)]
        t["oracle_length"] = round(statistics.mean(r["oracle_length"] for r in results), 2)
        t["stage"] = f"{t['mode']}: {t['env']}"
        t["method"] = f"--explore-steps {t['explore_steps']}"
        t.pop("median_wall_seconds", None)
    plot = out_dir / f"{NAME}{'-quick' if quick else ''}.png"
    draw(table, plot, "stage", [("steps_to_first_success", "the first success"),
                                ("steps_to_streak", f"{STREAK} successes in a row")])  # fmt: skip
    return {
        "plot": plot.name,
        "meaning": "env steps (of each stage only) with an LLM server that always answers the "
        "reference model; oracle_length = mean BFS solution length of the first 10 episode "
        "starts; medians over seeds, null = not reached by most seeds",
        "table": table,
    }
