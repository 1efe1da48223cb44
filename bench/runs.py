"""Helpers shared by the bench modules that measure learning runs: running a `worldcoder` command
under a wall-clock cap, the median over seeds that counts "not reached" as infinite, and the
near-optimal test on recent returns (used by `sample_efficiency` and `ppo` alike)."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

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
