"""Type-checker speed on large generated programs: a wide enum and a long chain of helpers.

Both must check in time linear in their size (issue 16 item 9: a 150,000-member enum took 86 s
and a chain of 5,000 helpers 28.5 s when the checker was quadratic).

    python bench/check_speed.py [--members 150000] [--helpers 5000]

Prints one line per program (size, seconds); writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dsl.check import check_text


def wide_enum(members: int) -> str:
    """One enum with `members` members and a helper that uses the last one."""
    names = ", ".join(f"m{i}" for i in range(members))
    return f"enum Big {{ {names} }}\ndef last() -> Big = m{members - 1}\n"


def helper_chain(helpers: int) -> str:
    """`f0` .. `f{helpers-1}`, each calling the one before it."""
    lines = ["def f0(n: int) -> int = n"]
    lines += [f"def f{i}(n: int) -> int = f{i - 1}(n)" for i in range(1, helpers)]
    return "\n".join(lines) + "\n"


def timed(text: str) -> float:
    start = time.perf_counter()
    check_text(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=150_000, help="enum members")
    parser.add_argument("--helpers", type=int, default=5_000, help="helpers in the chain")
    args = parser.parse_args()
    print(f"enum of {args.members} members: {timed(wide_enum(args.members)):.2f} s")
    print(f"chain of {args.helpers} helpers: {timed(helper_chain(args.helpers)):.2f} s")


if __name__ == "__main__":
    main()
