"""The `worldcoder` command line: check, fmt, collect, validate, envs (and the subcommands of
the other `*_cli` modules).

Every user error (bad DSL text, bad data, an unknown environment id, a bad flag) ends in a clear
message and a non-zero exit status, never a traceback: 2 for a usage error (a bad flag or flag
value, an unknown environment id), 1 for any other failure. DSL errors print as
`FILE:LINE:COL: error: ...`, one per line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from dsl.check import check_file
from dsl.errors import DslError, RunError
from dsl.parse import parse_file
from dsl.pretty import pretty
from dsl.values import DataError
from worldcoder.argtypes import Parser, natural, output_file_or_stdout, positive
from worldcoder.curriculum import add_curriculum_parser
from worldcoder.envs import SUPPORTED_ENVS, EnvError, EnvUsageError, collect, domain_of, write_jsonl
from worldcoder.envs.coverage import VALIDATED, coverage, family_of
from worldcoder.envs.sokoban import LEVEL_SET_NAMES
from worldcoder.learn_cli import add_learn_parser
from worldcoder.play_cli import add_play_parser
from worldcoder.solve_cli import add_solve_parser
from worldcoder.synth_cli import add_synth_parser
from worldcoder.validate import play_and_validate

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except DslError as err:
        for d in err.diagnostics:
            print(d, file=sys.stderr)
        return EXIT_FAIL
    except EnvUsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (EnvError, DataError, RunError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `worldcoder check ... | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAIL


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="worldcoder", description="Learn world models as typed programs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="parse and type-check .wc files")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE.wc", help="files to check")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("fmt", help="print a .wc file in canonical form")
    p.add_argument("file", type=Path, metavar="FILE.wc", help="the file to format")
    p.add_argument("--in-place", action="store_true", help="rewrite the file instead of printing")
    p.set_defaults(run=cmd_fmt)

    p = sub.add_parser("collect", help="record random-policy transitions as JSONL")
    _env_args(p)
    p.add_argument("--out", required=True, type=output_file_or_stdout,
                   help="output JSONL file ('-' for standard output)")  # fmt: skip
    p.set_defaults(run=cmd_collect)

    p = sub.add_parser("validate", help="compare a model with the real environment, step by step")
    p.add_argument("model", type=Path, metavar="MODEL.wc", help="the model to compare")
    _env_args(p)
    p.add_argument("--engine", choices=("compiled", "interp"), default="compiled",
                   help="run the model compiled to Python closures, or interpreted")  # fmt: skip
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser(
        "envs", help="list every environment id with its domain and status (validated or why not)"
    )
    p.add_argument("--supported", action="store_true", help="list the supported ids only")
    p.set_defaults(run=cmd_envs)

    add_solve_parser(sub, positive, natural)
    add_synth_parser(sub, positive, natural)
    add_learn_parser(sub, positive, natural)
    add_curriculum_parser(sub, positive, natural)
    add_play_parser(sub, positive, natural)
    return parser


def _env_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--env",
        required=True,
        help=f"environment id (one of {len(SUPPORTED_ENVS)}, see `worldcoder envs`; "
        "e.g. MiniGrid-DoorKey-5x5-v0, Sokoban, Taxi-v4)",
    )
    p.add_argument("--episodes", type=positive, default=10, help="episodes to play")
    p.add_argument("--seed", type=natural, default=0, help="seed of the first episode")
    p.add_argument(
        "--max-steps", type=positive, default=None, help="truncate episodes after N steps"
    )
    p.add_argument(
        "--level-file",
        default=None,
        metavar="FILE|SET",
        help=f"Sokoban: a Boxoban-format level file, or a shipped level set ({LEVEL_SET_NAMES}) (default: bundled level 0)",
    )
    p.add_argument("--level", type=natural, default=None, help="Sokoban: level index in the file")


# ----------------------------------------------------------------------------- commands


def cmd_check(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            check_file(path)
        except DslError as err:
            failed = True
            for d in err.diagnostics:
                print(d, file=sys.stderr)
        else:
            print(f"{path}: ok")
    return EXIT_FAIL if failed else EXIT_OK


def cmd_envs(args: argparse.Namespace) -> int:
    """Every registered MiniGrid/BabyAI id, Sokoban and the Taxi ids, one per line: id, domain,
    status (validated, or unsupported: reason); `--supported` keeps the supported ids only."""
    rows = [(r.env_id, r.domain, r.status) for r in coverage()]
    rows += [(e, domain_of(e), VALIDATED) for e in SUPPORTED_ENVS if family_of(e) is None]
    if args.supported:
        rows = [r for r in rows if r[0] in SUPPORTED_ENVS]
    width = max(len(r[0]) for r in rows)
    for env_id, domain, status in rows:
        print(f"{env_id:{width}}  {domain:8}  {status}")
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    text = pretty(parse_file(args.file))
    if args.in_place:
        args.file.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_collect(args: argparse.Namespace) -> int:
    domain_of(args.env)  # an unknown id is a usage error before the output file is opened
    records = collect(
        args.env, args.episodes, args.seed,
        max_steps=args.max_steps, level_file=args.level_file, level=args.level,
    )  # fmt: skip
    n = write_jsonl(records, args.out)
    print(
        f"wrote {n} transitions from {args.episodes} episodes of {args.env} to {args.out}",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    program = check_file(args.model)
    progress = Progress(sys.stderr, "validating")
    start = time.perf_counter()
    result = play_and_validate(
        program, args.env, args.episodes, args.seed,
        max_steps=args.max_steps, level_file=args.level_file, level=args.level,
        engine=args.engine, on_step=progress.update,
    )  # fmt: skip
    progress.close()
    seconds = time.perf_counter() - start
    print(
        f"{args.model} on {args.env}: {result.agreed}/{result.steps} steps agree "
        f"({100 * result.fraction:.2f}%) over {result.episodes} episodes, seed {args.seed}, {seconds:.1f} s"
    )
    if result.first_mismatch is not None:
        print("first disagreement: " + result.first_mismatch.render())
        return EXIT_FAIL
    return EXIT_OK


class Progress:
    """A one-line progress counter on a terminal; silent when output is not a terminal."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream, self.label = stream, label
        self.live = stream.isatty()
        self.last = 0.0

    def update(self, steps: int) -> None:
        now = time.monotonic()
        if self.live and now - self.last > 0.1:
            self.last = now
            self.stream.write(f"\r{self.label}: {steps} steps")
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


if __name__ == "__main__":
    raise SystemExit(main())
