"""Helpers shared by the bench modules that measure learning runs: running a `worldcoder` command
under a wall-clock cap, one `worldcoder learn` run in a temporary run directory, the median over
seeds that counts "not reached" as infinite, the near-optimal test on recent returns and the end
of the first streak of successes (used by `sample_efficiency`, `protocol`, `new_worlds` and
`ppo`)."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from worldcoder.rundir import RunDir

ROOT = Path(__file__).resolve().parents[1]
SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""One thread per job: the runner already puts one job on each core."""


def run_cli(args: list[str], wall_seconds: float, env: dict[str, str] | None = None) -> int | None:
    """`python -m worldcoder.cli ARGS`, output dropped: its exit status (0 or 1), or None when the
    wall-clock cap cut it. A crash (any other exit status) raises with the end of its stderr.
    `env` adds environment variables (an API key, say) to this process's."""
    cmd = [sys.executable, "-m", "worldcoder.cli", *args]
    with tempfile.TemporaryFile("w+") as err:
        try:
            proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                                  timeout=wall_seconds, check=False,
                                  env={**os.environ, **SINGLE_THREAD, **(env or {})})  # fmt: skip
        except subprocess.TimeoutExpired:
            return None
        if proc.returncode not in (0, 1):
            err.seek(0)
            raise RuntimeError(f"worldcoder {args[0]} exited {proc.returncode}: {err.read()[-2000:]}")  # fmt: skip
    return proc.returncode


@contextmanager
def learn_run(
    env: str, seed: int, episodes: int, streak: int, wall_seconds: float, prefix: str
) -> Iterator[tuple[RunDir, float, bool]]:
    """One offline `worldcoder learn` run in a temporary run directory, cut at `wall_seconds`:
    the run (readable until the block ends), its wall seconds and whether the cap cut it."""
    from worldcoder.rundir import RunDir

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        run = RunDir(Path(tmp) / "run")
        t0 = time.perf_counter()
        args = ["learn", "--env", env, "--seed", str(seed), "--episodes", str(episodes),
                "--streak", str(streak), "--run-dir", str(run.path)]  # fmt: skip
        capped = run_cli(args, wall_seconds) is None
        yield run, time.perf_counter() - t0, capped


def streak_end(episodes: Sequence[tuple[int, float]], streak: int = 10) -> int | None:
    """Env steps at the end of the `streak`-th consecutive successful episode (None: never)."""
    run = 0
    for end, ret in episodes:
        run = run + 1 if ret > 0 else 0
        if run >= streak:
            return end
    return None


def median_steps(values: Sequence[int | None]) -> float | None:
    """Median over seeds with "not reached" (None) as infinity; None when that median is."""
    if not values:
        return None
    mid = statistics.median(math.inf if v is None else float(v) for v in values)
    return None if math.isinf(mid) else mid


def near_optimal(recent: Sequence[float], window: int, target: float) -> bool:
    """`recent` holds the last `window` returns (no fewer) and their mean is >= `target` (up to
    rounding: a hundred returns of 0.8 count)."""
    return len(recent) >= window and sum(recent) >= target * window - 1e-9
