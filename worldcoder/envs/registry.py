"""Environment registry.

Owns the set of accepted env ids (`SUPPORTED_ENVS`: every registered MiniGrid/BabyAI id of a
supported family of `coverage.FAMILIES`, ``Sokoban`` and the installed gymnasium's Taxi ids),
the mapping from an id to its domain, the unknown-id error (which repeats an unsupported id's
reason), and `make_env`, the single factory that validates options and builds the matching
`ObjectEnv` adapter.
"""

from __future__ import annotations

import difflib
import re

import gymnasium

from .babyai_env import BabyAIObjectEnv
from .base import EnvUsageError, ObjectEnv
from .coverage import supported_ids, unsupported_reason
from .minigrid_env import MiniGridObjectEnv, minigrid_env_ids
from .sokoban import make_sokoban
from .taxi import TaxiObjectEnv, taxi_env_ids

SOKOBAN_IDS: tuple[str, ...] = ("Sokoban",)
MINIGRID_IDS: tuple[str, ...] = minigrid_env_ids()
BABYAI_IDS: tuple[str, ...] = supported_ids("babyai")
TAXI_IDS: tuple[str, ...] = taxi_env_ids()
SUPPORTED_ENVS: tuple[str, ...] = MINIGRID_IDS + BABYAI_IDS + SOKOBAN_IDS + TAXI_IDS
DOMAINS: tuple[str, ...] = ("minigrid", "babyai", "sokoban", "taxi")


LIST_COMMAND = "worldcoder envs"
"""The command that lists every supported id (named in the unknown-id error)."""


def unknown_env_error(env_id: str) -> EnvUsageError:
    """One line: the id is unknown (or registered by minigrid but unsupported, and why), its
    three nearest supported ids, and the command that lists them all."""
    near = ", ".join(nearest_env_ids(env_id))
    reason = unsupported_reason(env_id)
    if reason is not None:
        what = f"{env_id!r} is registered by minigrid but not supported ({reason})"
    elif env_id.startswith(("MiniGrid-", "BabyAI-")) and env_id in gymnasium.envs.registry:
        what = f"{env_id!r} is registered by minigrid but not supported"
    else:
        what = f"unknown environment {env_id!r}"
    return EnvUsageError(f"{what}; nearest supported: {near} ({LIST_COMMAND} lists them all)")


def nearest_env_ids(env_id: str, n: int = 3) -> list[str]:
    """The `n` supported ids nearest `env_id`: those containing it (ignoring case), else the
    most similar by difflib's ratio; smallest variant first among equals."""
    key = env_id.lower()
    containing = sorted((e for e in SUPPORTED_ENVS if key in e.lower()), key=_natural_order)
    if containing:
        return containing[:n]

    def score(e: str) -> float:
        return difflib.SequenceMatcher(None, key, e.lower()).ratio()

    return sorted(SUPPORTED_ENVS, key=lambda e: (-score(e), _natural_order(e)))[:n]


def _natural_order(env_id: str) -> tuple[tuple[int, str], ...]:
    """Numbers compare as numbers: DoorKey-5x5 before DoorKey-16x16."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"(\d+)", env_id))


def domain_of(env_id: str) -> str:
    """The domain (``minigrid``, ``babyai``, ``sokoban`` or ``taxi``) of a supported id."""
    if env_id in MINIGRID_IDS:
        return "minigrid"
    if env_id in BABYAI_IDS:
        return "babyai"
    if env_id in SOKOBAN_IDS:
        return "sokoban"
    if env_id in TAXI_IDS:
        return "taxi"
    raise unknown_env_error(env_id)


def _check_options(
    env_id: str, domain: str, level_file: str | None, level: int | None, max_steps: int | None
) -> None:
    if max_steps is not None and max_steps < 1:
        raise EnvUsageError(f"max_steps must be a positive integer, got {max_steps}")
    if level is not None and level < 0:
        raise EnvUsageError(f"level must be a non-negative integer, got {level}")
    if domain != "sokoban" and (level_file is not None or level is not None):
        raise EnvUsageError(f"level_file/level only apply to Sokoban, not to {env_id!r}")


def make_env(
    env_id: str,
    *,
    level_file: str | None = None,
    level: int | None = None,
    max_steps: int | None = None,
) -> ObjectEnv:
    """Build the object-centric adapter for ``env_id`` (see `SUPPORTED_ENVS`)."""
    domain = domain_of(env_id)
    _check_options(env_id, domain, level_file, level, max_steps)
    if domain == "minigrid":
        return MiniGridObjectEnv(env_id, max_steps)
    if domain == "babyai":
        return BabyAIObjectEnv(env_id, max_steps)
    if domain == "taxi":
        return TaxiObjectEnv(env_id, max_steps)
    return make_sokoban(env_id, level_file=level_file, level=level, max_steps=max_steps)
