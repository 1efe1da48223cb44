"""The command line's argument types and help format.

Each type turns one flag's text into a value or raises `argparse.ArgumentTypeError`; argparse
then prints the usage and the reason and exits with status 2 before any work starts. Output
paths are checked here too, so that a long run never ends in a file it cannot write.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any

from synth.llm import GRAMMAR_MODES, LLMConfig


def at_least(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"expected a number >= {low}, found {value}")
    return value


def positive(text: str) -> int:
    return at_least(text, 1)


def natural(text: str) -> int:
    return at_least(text, 0)


def seconds(text: str) -> float:
    """A positive, finite number of seconds (`nan`, `inf`, 0 and negatives are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a positive, finite number of seconds, found {text!r}"
        )
    return value


def output_file(text: str) -> Path:
    """A file path that can be written: its directory exists and is writable, and the path is
    not itself a directory."""
    path = Path(text)
    parent = path.parent
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory, expected a file path")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {text}: no directory {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {text}: directory {parent} is read-only")
    return path


def output_file_or_stdout(text: str) -> str:
    """`output_file`, or '-' for standard output."""
    return text if text == "-" else str(output_file(text))


class HelpFormatter(argparse.HelpFormatter):
    """Shows each flag's default after its help, unless the help already speaks of a default
    or there is none to show (no value, a switch that is off)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        shown = "default" in text or "%(default)" in text
        nothing = default is None or default is False or default == argparse.SUPPRESS
        if shown or nothing or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)" if text else "(default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An `ArgumentParser` that uses `HelpFormatter`; its subcommands' parsers are Parsers too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """The LLM flags, for every command that can run the LLM proposer (`synth.llm`)."""
    group = parser.add_argument_group("LLM proposer")
    group.add_argument("--llm-model", help="model name at the endpoint")
    group.add_argument(
        "--llm-base-url", help="OpenAI-compatible endpoint (default OPENAI_BASE_URL)"
    )
    group.add_argument("--llm-grammar", choices=GRAMMAR_MODES, default="openai",
                       help="how replies are held to the grammar: openai (Responses API custom "
                       "tool), vllm (structured outputs), none (unconstrained)")  # fmt: skip
    group.add_argument("--llm-timeout", type=seconds, default=120.0, help="seconds per request")
    group.add_argument("--llm-retries", type=natural, default=4, help="retries per request")


def llm_config_from_args(args: argparse.Namespace) -> LLMConfig:
    """The LLM flags (then OPENAI_API_KEY / OPENAI_BASE_URL) as an `LLMConfig`."""
    return LLMConfig.from_flags(
        args.llm_model,
        args.llm_base_url,
        grammar=args.llm_grammar,
        timeout=args.llm_timeout,
        max_retries=args.llm_retries,
    )
