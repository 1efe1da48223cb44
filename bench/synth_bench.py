"""Synthesis benchmark: the offline enumerative proposer (`synthesize(spec, "enum")`) on fixed
random-policy datasets, one environment family at a time.

For every family a dataset of 1,000 transitions is collected once with fixed seeds (random
policy, `worldcoder.envs.collect`, at most 100 steps per episode); its first 100, 250, 500 and
1,000 transitions are the four training sets. For each one we record the synthesis wall-clock
seconds, the candidates enumerated, whether the result is consistent with its data and
optimistic (the mission reachable from a held-out start state within a horizon), how many
transitions it still gets wrong, and its agreement with the real environment on held-out
random episodes of other seeds (next state, reward and done must all match). "Transitions
needed" is the smallest training-set size from which on (that size and every larger one) the
learned model agrees on 100 % of the held-out steps.

Families and priors (`learn`'s default, the hint priors): MiniGrid Empty-5x5, DoorKey-5x5 and Unlock with models/minigrid_hint.wc;
Sokoban with models/sokoban_hint.wc; Taxi-v4 with models/taxi_hint.wc. The Sokoban data cycle
episode by episode over the bundled levels (level by seed, 30 steps), bundled level 0 (15 steps;
one box, so random play sometimes solves it) and one extra level whose boxes start on targets
(15 steps; `SOKOBAN_EXTRA_LEVEL`): random play on the bundled levels alone never moves a box off
a target or reaches a partly solved state, so those rules could not be identified. Sokoban
models are also checked against models/sokoban.wc with the solver (bounded equivalence on every
well-formed state (models/sokoban_well_formed.wc) of a walled 6x6 grid with up to 5 more objects).

    python bench/synth_bench.py [--jobs 2] [--families Empty-5x5,Sokoban,...] [--sizes 100,1000]

Writes synth_bench.json (with the command) and synth_bench.png to a new runs/synth_bench-TIME/,
to `--out DIR`, or with `--record` to bench/results/ (the recorded results; `bench.outputs`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.outputs import add_output_flags, output_dir  # noqa: E402
from dsl import core as C  # noqa: E402
from dsl.check import check_file  # noqa: E402
from dsl.compile import compile_program  # noqa: E402
from dsl.values import Mission, state_from_json, transition_from_json  # noqa: E402
from solver import Bounds, equivalent  # noqa: E402
from synth import Optimism, Spec, synthesize  # noqa: E402
from synth.score import program_text  # noqa: E402
from worldcoder.correctness import well_formed_reference  # noqa: E402
from worldcoder.domains import DEFAULT_PRIOR, domain, env_domain  # noqa: E402
from worldcoder.envs import collect, make_env  # noqa: E402

SIZES = (100, 250, 500, 1000)
DATA_SEED = 0
HELDOUT_SEED = 1000
MAX_STEPS = 100
# Held-out episodes and their length; Taxi's are longer and more, since random play delivers the
# passenger only about once in 4,000 steps (this set has four deliveries).
HELDOUT: dict[str, tuple[int, int]] = {"Taxi": (100, 200)}
HELDOUT_DEFAULT = (20, MAX_STEPS)

Record = dict[str, Any]

# env id, horizon of the optimism start (reset with HELDOUT_SEED); the prior is the domain's
# (worldcoder.domains)
FAMILIES: dict[str, tuple[str, int]] = {
    "Empty-5x5": ("MiniGrid-Empty-5x5-v0", 20),
    "DoorKey-5x5": ("MiniGrid-DoorKey-5x5-v0", 30),
    "Unlock": ("MiniGrid-Unlock-v0", 30),
    "Sokoban": ("Sokoban", 10),
    "Taxi": ("Taxi-v4", 30),
}

SOKOBAN_EXTRA_LEVEL = """; boxes on targets
#######
#    .#
#  *  #
# *@$ #
#     #
#######
"""


# ----------------------------------------------------------------------------- data


def extra_level_file(directory: Path) -> str:
    path = directory / "sokoban_extra.txt"
    if not path.exists():
        path.write_text(SOKOBAN_EXTRA_LEVEL)
    return str(path)


def records(family: str, n: int, seed: int, extra: str) -> list[Record]:
    """The first n transitions of the family's fixed random-policy dataset."""
    env_id = FAMILIES[family][0]
    out: list[Record] = []
    if family != "Sokoban":
        for rec in collect(env_id, 100_000, seed, max_steps=MAX_STEPS):
            if len(out) >= n:
                break
            out.append(rec)
        return out
    i = 0
    while len(out) < n:
        if i % 3 == 0:
            out += collect("Sokoban", 1, seed + i, max_steps=30)
        elif i % 3 == 1:
            out += collect("Sokoban", 1, seed + i, max_steps=15, level=0)
        else:
            out += collect("Sokoban", 1, seed + i, max_steps=15, level_file=extra)
        i += 1
    return out[:n]


def heldout(family: str, extra: str) -> list[Record]:
    env_id = FAMILIES[family][0]
    episodes, steps = HELDOUT.get(family, HELDOUT_DEFAULT)
    out = list(collect(env_id, episodes, HELDOUT_SEED, max_steps=steps))
    if family == "Sokoban":
        out += collect(env_id, episodes, HELDOUT_SEED, max_steps=steps, level_file=extra)
    return out


# ----------------------------------------------------------------------------- one run


def agreement(program: C.Program, recs: list[Record]) -> dict[str, Any]:
    """Held-out agreement: all of next state, reward and done (as `worldcoder validate`), and
    the next state alone."""
    model = compile_program(program)
    schema = program.schema
    full = states = 0
    first: str | None = None
    for rec in recs:
        state = state_from_json(schema, rec["state"], "state")
        real = state_from_json(schema, rec["next_state"], "next_state")
        got = model.step(state, rec["action"], Mission.of(rec["mission"]))
        same_state = got.next_state == real
        states += same_state
        ok = same_state and float(got.reward) == float(rec["reward"]) and got.done == rec["done"]
        full += ok
        if not ok and first is None:
            first = (
                f"episode {rec['episode']} step {rec['step']} {rec['action']}: "
                f"state {'ok' if same_state else 'differs'}, reward model {got.reward} "
                f"env {rec['reward']}, done model {got.done} env {rec['done']}"
            )
    n = len(recs)
    return {
        "steps": n,
        "agreement": full / n if n else 1.0,
        "state_agreement": states / n if n else 1.0,
        "first_mismatch": first,
    }


def sokoban_proof(learned: C.Program) -> dict[str, Any]:
    reference = well_formed_reference(domain("sokoban"))  # models/sokoban_well_formed.wc
    proof = equivalent(reference, learned, Bounds(6, 6, 5, walls=True),
                       Mission.of("push every box onto a target"), assume="well_formed")  # fmt: skip
    return {"bounds": "6x6 walled, 5 objects", "status": proof.status,
            "seconds": round(proof.seconds, 2), "counterexample": proof.state,
            "action": proof.action}  # fmt: skip


def run(family: str, n: int, workdir: str) -> dict[str, Any]:
    env_id, horizon = FAMILIES[family]
    prior = env_domain(env_id).prior_of(DEFAULT_PRIOR)
    schema = check_file(prior).schema
    extra = extra_level_file(Path(workdir))
    recs = records(family, n, DATA_SEED, extra)
    data = tuple(
        (i + 1, transition_from_json(schema, r, f"line {i + 1}")) for i, r in enumerate(recs)
    )
    env = make_env(env_id, level=0) if family == "Sokoban" else make_env(env_id)
    try:
        start, mission = env.reset(seed=HELDOUT_SEED)
    finally:
        env.close()
    spec = Spec(
        data, (prior,), Optimism(((state_from_json(schema, start), Mission.of(mission)),), horizon)
    )
    t0 = time.perf_counter()
    result = synthesize(spec, "enum")
    seconds = time.perf_counter() - t0
    out_path = Path(workdir) / f"{family}-{n}.wc"
    out_path.write_text(program_text(spec, result.text, out_path))
    learned = check_file(out_path)
    row: dict[str, Any] = {
        "transitions": len(data),
        "seconds": round(seconds, 2),
        "candidates": result.cost.candidates,
        "consistent": result.consistent,
        "optimistic": result.optimistic,
        "failing": len(result.failing),
        "heldout": agreement(learned, heldout(family, extra)),
        "program": result.text,
    }
    if family == "Sokoban":
        row["proof"] = sokoban_proof(learned)
    return row


# ----------------------------------------------------------------------------- report


def transitions_needed(runs: dict[int, dict[str, Any]]) -> int | None:
    """The smallest size from which on every run validates 100 % on the held-out episodes."""
    needed: int | None = None
    for n in sorted(runs, reverse=True):
        if runs[n]["heldout"]["agreement"] < 1.0:
            break
        needed = n
    return needed


def table(result: dict[str, Any]) -> str:
    lines = [
        "| family | transitions | seconds | candidates | consistent | optimistic | failing "
        "| held-out agreement | next-state agreement | transitions needed | solver proof |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, fam in result["families"].items():
        runs = fam["runs"]
        big = runs[str(max(int(k) for k in runs))]
        need = fam["transitions_needed"]
        lines.append(
            f"| {name} | {big['transitions']} | {big['seconds']} | {big['candidates']} "
            f"| {big['consistent']} | {big['optimistic']} | {big['failing']} "
            f"| {100 * big['heldout']['agreement']:.2f} % "
            f"| {100 * big['heldout']['state_agreement']:.2f} % "
            f"| {need if need is not None else '> ' + str(max(int(k) for k in runs))} "
            f"| {big['proof']['status'] if 'proof' in big else '-'} |"
        )
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["families"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    biggest = [
        fam["runs"][str(max(int(k) for k in fam["runs"]))] for fam in result["families"].values()
    ]
    bars = ax1.bar(names, [r["seconds"] for r in biggest], color="tab:blue")
    for bar, r in zip(bars, biggest, strict=True):
        ax1.annotate(
            f"{r['candidates']} cand.\n{100 * r['heldout']['agreement']:.1f} %",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center", va="bottom", fontsize=8,
        )  # fmt: skip
    ax1.set_ylabel("synthesis seconds")
    ax1.set_title(f"{biggest[0]['transitions']} random-policy transitions")
    ax1.tick_params(axis="x", labelrotation=20)
    ax1.margins(y=0.25)
    for i, name in enumerate(names):  # overlapping lines stay visible: wide first, then thinner
        runs = result["families"][name]["runs"]
        sizes = sorted(int(k) for k in runs)
        ax2.plot(
            sizes,
            [100 * runs[str(n)]["heldout"]["agreement"] for n in sizes],
            marker="osD^v"[i % 5],
            markersize=9 - 1.2 * i,
            linewidth=4 - 0.6 * i,
            alpha=0.8,
            label=name,
        )
    ax2.set_xscale("log")
    ax2.set_xticks(sizes, [str(n) for n in sizes])
    ax2.set_xlabel("training transitions")
    ax2.set_ylabel("held-out agreement (%)")
    ax2.set_title("held-out agreement (next state, reward, done)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "synth", "models", "dsl"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes in synth/, models/ or dsl/" if dirty else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    add_output_flags(parser, "synth_bench")
    args = parser.parse_args()
    families = [f for f in args.families.split(",") if f]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {list(FAMILIES)}")
    sizes = sorted(int(s) for s in args.sizes.split(","))
    out = output_dir(args, "synth_bench")
    started = time.perf_counter()
    head = commit()
    jobs = [(f, n) for f in families for n in sorted(sizes, reverse=True)]
    with tempfile.TemporaryDirectory() as workdir, ProcessPoolExecutor(args.jobs) as pool:
        futures = {job: pool.submit(run, job[0], job[1], workdir) for job in jobs}
        runs: dict[str, dict[int, dict[str, Any]]] = {f: {} for f in families}
        for (family, n), fut in futures.items():
            runs[family][n] = fut.result()
            r = runs[family][n]
            print(f"{family:12} {n:5} {r['seconds']:7.1f}s {r['candidates']:7} cand "
                  f"consistent={r['consistent']} optimistic={r['optimistic']} "
                  f"failing={r['failing']} held-out={100 * r['heldout']['agreement']:.2f}%",
                  flush=True)  # fmt: skip
    result: dict[str, Any] = {
        "command": "python " + " ".join(["bench/synth_bench.py", *sys.argv[1:]]),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "jobs": args.jobs,
        "data": f"random policy, collect(seed={DATA_SEED}, max_steps={MAX_STEPS}); "
        "training sets are prefixes of one dataset per family",
        "heldout": f"random episodes from seed {HELDOUT_SEED}: 20 of at most {MAX_STEPS} steps "
        "(Sokoban: 20 on the bundled levels and 20 on the extra level; Taxi: 100 of at most 200)",
        "commit": head,
        "sizes": sizes,
        "seconds": round(time.perf_counter() - started, 1),
        "families": {
            f: {
                "env": FAMILIES[f][0],
                "prior": f"models/{env_domain(FAMILIES[f][0]).prior}.wc",
                "optimism_horizon": FAMILIES[f][1],
                "runs": {str(n): runs[f][n] for n in sorted(runs[f])},
                "transitions_needed": transitions_needed(runs[f]),
            }
            for f in families
        },
    }
    if "Sokoban" in families:
        result["sokoban_extra_level"] = SOKOBAN_EXTRA_LEVEL
    (out / "synth_bench.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(result, out / "synth_bench.png")
    print(table(result))
    print(f"wrote {out / 'synth_bench.json'} and {out / 'synth_bench.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
