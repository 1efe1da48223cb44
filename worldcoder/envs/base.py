"""Shared types for the environment adapters.

Owns the common adapter interface: the `EnvError` raised for every user error,
the frozen `Step` record one transition returns, the `ObjectEnv` protocol every
adapter satisfies, and the `JsonState` alias for object-centric JSON states
(`{"agent": {...}, "objects": [{...}, ...]}` holding only ints, bools and strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

JsonState = dict[str, Any]
"""An object-centric state: ``{"agent": {...}, "objects": [{...}, ...]}``."""


class EnvError(ValueError):
    """A user-facing environment error (bad id, bad level file, bad action, ...)."""


class EnvUsageError(EnvError):
    """An environment id or option the command line cannot use (a usage error: exit status 2)."""


@dataclass(frozen=True)
class Step:
    """One transition as seen by a world model."""

    state: JsonState
    reward: float
    raw_reward: float
    terminated: bool
    truncated: bool
    mission: str


class ObjectEnv(Protocol):
    """An environment whose states are object-centric JSON dictionaries."""

    @property
    def name(self) -> str:
        """The env id exactly as the user gave it."""
        ...

    @property
    def domain(self) -> str:
        """One of ``"minigrid"``, ``"sokoban"``, ``"taxi"``."""
        ...

    @property
    def actions(self) -> tuple[str, ...]:
        """Action names; the index of a name is the gym action integer."""
        ...

    def reset(self, seed: int | None = None) -> tuple[JsonState, str]:
        """Start an episode; returns ``(state, mission)``."""
        ...

    def step(self, action: str) -> Step:
        """Apply the named action."""
        ...

    def close(self) -> None:
        """Release the underlying environment."""
        ...


def action_index(env_name: str, actions: tuple[str, ...], action: str) -> int:
    """Return the gym integer of ``action`` or raise `EnvError` naming the valid ones."""
    try:
        return actions.index(action)
    except ValueError:
        valid = ", ".join(actions)
        raise EnvError(f"{env_name}: unknown action {action!r}; valid actions: {valid}") from None


def not_reset_error(env_name: str) -> EnvError:
    """The error raised when `step` is called before `reset`."""
    return EnvError(f"{env_name}: call reset() before step()")
