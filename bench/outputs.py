"""Where a standalone bench script (`python bench/NAME.py`) writes its results.

By default a fresh directory `runs/NAME-TIME/` under the working directory (printed), so that
trying a script never overwrites the tracked, recorded results; `--record` writes them to
`bench/results/` (what the READMEs quote), `--out DIR` anywhere else. `worldcoder bench` (the
suite runner, `bench.suite`) records to `bench/results/` by design: resuming needs one place.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def add_output_flags(parser: argparse.ArgumentParser, name: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help=f"write the results in DIR (default: a new runs/{name}-TIME/)")  # fmt: skip
    group.add_argument("--record", action="store_true",
                       help="write the recorded results in bench/results/ (tracked files)")  # fmt: skip


def output_dir(args: argparse.Namespace, name: str) -> Path:
    """The directory chosen by `--out` / `--record` (created), announced on stderr."""
    path: Path = (
        RESULTS
        if args.record
        else args.out or Path("runs") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    path.mkdir(parents=True, exist_ok=True)
    print(f"{name}: results go to {path}", file=sys.stderr)
    return path
