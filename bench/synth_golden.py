"""Golden check of the offline synthesizer: what `synthesize(spec, "enum")` answers on a fixed
corpus, as one sha256 per call, with the seconds each call took.

A change meant to make synthesis faster without changing what it chooses must leave every hash
as recorded; a change of the ranking changes some and is recorded anew (`--write`).

The corpus (all data from fixed random-policy seeds):
- `bench/synth_bench.py`'s five families (Empty-5x5, DoorKey-5x5, Unlock, Sokoban, Taxi) at 100
  and 1,000 transitions, with that bench's priors and optimism starts;
- 400 DoorKey-16x16 transitions, as `worldcoder collect --env MiniGrid-DoorKey-16x16-v0
  --episodes 4 --max-steps 100 --seed 0` then `worldcoder synth --prior models/minigrid_prior.wc
  --env MiniGrid-DoorKey-16x16-v0 --seed 0 --horizon 80` (bench/README.md);
- learner-like calls: the first 10, 20, 40 and 80 transitions of a random DoorKey-5x5 dataset
  (`collect(seed=0, max_steps=100)`, learn's default prior), with the agent's optimism spec
  `Optimism(((state, mission),), 40)` from the last transition's next state and mission.

A hash covers the result's text, consistent, optimistic, failing lines, alternatives and
candidate count (not its seconds). Each call's wall-clock and CPU seconds are printed beside it
(the CPU figure is the steadier one on a shared machine). `PYTHONPATH` does not choose the code:
the script runs the checkout it is in (copy it into another checkout to time that one).

    python bench/synth_golden.py [--only dk16,learn-*] [--write FILE] [--check FILE]

`--check FILE` exits 1 when a hash differs from FILE's (bench/results/synth_golden.json holds
the hashes of the code named in it).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synth_bench import FAMILIES, HELDOUT_SEED, extra_level_file, records  # noqa: E402
from dsl.check import check_file  # noqa: E402
from dsl.values import Mission, state_from_json, transition_from_json  # noqa: E402
from synth import Optimism, Result, Spec, synthesize  # noqa: E402
from worldcoder.domains import DEFAULT_PRIOR, env_domain  # noqa: E402
from worldcoder.envs import collect, make_env  # noqa: E402

LEARN_ENV = "MiniGrid-DoorKey-5x5-v0"
LEARN_SIZES = (10, 20, 40, 80)
LEARN_HORIZON = 40  # the agent's default --horizon
DK16 = "MiniGrid-DoorKey-16x16-v0"


def _spec(prior: Path, recs: list[dict[str, Any]], start: Any, mission: str, horizon: int) -> Spec:
    schema = check_file(prior).schema
    data = tuple(
        (i + 1, transition_from_json(schema, r, f"line {i + 1}")) for i, r in enumerate(recs)
    )
    optimism = Optimism(((state_from_json(schema, start), Mission.of(mission)),), horizon)
    return Spec(data, (prior,), optimism)


def bench_spec(family: str, n: int, workdir: str) -> Spec:
    """The spec `bench/synth_bench.py` poses for `family` at `n` transitions."""
    env_id, horizon = FAMILIES[family]
    recs = records(family, n, 0, extra_level_file(Path(workdir)))
    env = make_env(env_id, level=0) if family == "Sokoban" else make_env(env_id)
    try:
        start, mission = env.reset(seed=HELDOUT_SEED)
    finally:
        env.close()
    return _spec(env_domain(env_id).prior_of(DEFAULT_PRIOR), recs, start, mission, horizon)


def dk16_spec() -> Spec:
    """bench/README.md's one DoorKey-16x16 call: 400 transitions, horizon 80."""
    recs = list(collect(DK16, 4, 0, max_steps=100))
    env = make_env(DK16)
    try:
        start, mission = env.reset(seed=0)
    finally:
        env.close()
    return _spec(ROOT / "models" / "minigrid_prior.wc", recs, start, mission, 80)


def learn_spec(n: int) -> Spec:
    """A learner-like call: the first `n` random DoorKey-5x5 transitions, optimistic from the
    last one's next state."""
    recs = list(itertools.islice(collect(LEARN_ENV, 100, 0, max_steps=100), n))
    last = recs[-1]
    prior = env_domain(LEARN_ENV).prior_of(DEFAULT_PRIOR)
    return _spec(prior, recs, last["next_state"], last["mission"], LEARN_HORIZON)


def cases(workdir: str) -> dict[str, Callable[[], Spec]]:
    out: dict[str, Callable[[], Spec]] = {}
    for family in FAMILIES:
        for n in (100, 1000):
            out[f"{family}-{n}"] = lambda f=family, k=n: bench_spec(f, k, workdir)
    out["dk16-400"] = dk16_spec
    for n in LEARN_SIZES:
        out[f"learn-{n}"] = lambda k=n: learn_spec(k)
    return out


def digest(result: Result) -> str:
    """sha256 of everything a result says but its cost in seconds."""
    what = {
        "text": result.text,
        "consistent": result.consistent,
        "optimistic": result.optimistic,
        "failing": result.failing,
        "alternatives": result.alternatives,
        "candidates": result.cost.candidates,
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="*", help="comma-separated globs over case names")
    parser.add_argument("--write", type=Path, help="write the hashes and seconds as JSON here")
    parser.add_argument("--check", type=Path, help="compare with the hashes recorded in FILE")
    args = parser.parse_args()
    globs = args.only.split(",")
    golden = json.loads(args.check.read_text())["cases"] if args.check else {}
    rows: dict[str, dict[str, Any]] = {}
    differ = 0
    with tempfile.TemporaryDirectory() as workdir:
        for name, make in cases(workdir).items():
            if not any(fnmatch.fnmatch(name, g) for g in globs):
                continue
            spec = make()
            t0, c0 = time.perf_counter(), time.process_time()
            result = synthesize(spec, "enum")
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            h = digest(result)
            rows[name] = {"sha256": h, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2)}
            mark = ""
            if name in golden:
                same = golden[name]["sha256"] == h
                differ += not same
                mark = "  same" if same else "  DIFFERS"
            print(f"{name:16} {seconds:7.2f}s {cpu:7.2f}s cpu {h[:16]}{mark}", flush=True)
    if args.write:
        args.write.write_text(json.dumps({"command": " ".join(["python", *sys.argv]),
                                          "cases": rows}, indent=2) + "\n")  # fmt: skip
    if differ:
        print(f"{differ} hash(es) differ from {args.check}", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
