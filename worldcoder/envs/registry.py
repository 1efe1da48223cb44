"""Environment registry.

Owns the set of accepted env ids (`SUPPORTED_ENVS`: every registered variant of
the MiniGrid families, ``Sokoban`` and the installed gymnasium's Taxi ids), the
mapping from an id to its domain, and `make_env`, the single factory that
validates options and builds the matching `ObjectEnv` adapter.
"""

from __future__ import annotations

import difflib

from .base import EnvError, ObjectEnv
from .minigrid_env import MiniGridObjectEnv, minigrid_env_ids
from .sokoban import make_sokoban
from .taxi import TaxiObjectEnv, taxi_env_ids

SOKOBAN_IDS: tuple[str, ...] = ("Sokoban",)
MINIGRID_IDS: tuple[str, ...] = minigrid_env_ids()
TAXI_IDS: tuple[str, ...] = taxi_env_ids()
SUPPORTED_ENVS: tuple[str, ...] = MINIGRID_IDS + SOKOBAN_IDS + TAXI_IDS
DOMAINS: tuple[str, ...] = ("minigrid", "sokoban", "taxi")


def unknown_env_error(env_id: str) -> EnvError:
    """An `EnvError` naming the closest supported id and listing all of them."""
    close = difflib.get_close_matches(env_id, SUPPORTED_ENVS, n=1, cutoff=0.0)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(SUPPORTED_ENVS)
    return EnvError(f"unknown environment {env_id!r}.{hint} Supported ids: {listing}")


def domain_of(env_id: str) -> str:
    """The domain (``minigrid``, ``sokoban`` or ``taxi``) of a supported id."""
    if env_id in MINIGRID_IDS:
        return "minigrid"
    if env_id in SOKOBAN_IDS:
        return "sokoban"
    if env_id in TAXI_IDS:
        return "taxi"
    raise unknown_env_error(env_id)


def _check_options(
    env_id: str, domain: str, level_file: str | None, level: int | None, max_steps: int | None
) -> None:
    if max_steps is not None and max_steps < 1:
        raise EnvError(f"max_steps must be a positive integer, got {max_steps}")
    if level is not None and level < 0:
        raise EnvError(f"level must be a non-negative integer, got {level}")
    if domain != "sokoban" and (level_file is not None or level is not None):
        raise EnvError(f"level_file/level only apply to Sokoban, not to {env_id!r}")


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
    if domain == "taxi":
        return TaxiObjectEnv(env_id, max_steps)
    return make_sokoban(env_id, level_file=level_file, level=level, max_steps=max_steps)
