"""Coverage of the registered MiniGrid and BabyAI ids: which are supported, and why not.

Owns `FAMILIES`, the table that sorts every id `minigrid` registers (``MiniGrid-*`` and
``BabyAI-*``) into a family with its domain and status, and `coverage`, the rows
`worldcoder envs` prints. A supported family's reference model (``models/<domain>.wc``) is
validated against the real environment by ``bench/validate_models.py`` and by a short test per
family (``tests/test_coverage.py``); an unsupported family carries the reason, which the
unknown-id error repeats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import gymnasium
import minigrid  # noqa: F401  (importing minigrid registers its ids)

VALIDATED = "validated"


@dataclass(frozen=True)
class Family:
    """A set of registered ids (those `pattern` matches at the start), their domain, and the
    reason they are not supported (None: supported, reference model validated)."""

    name: str
    pattern: str
    domain: str
    unsupported: str | None = None
    limits: str | None = None
    """Known disagreements of a supported family's reference model (models/README.md)."""

    def matches(self, env_id: str) -> bool:
        return re.match(self.pattern, env_id) is not None

    @property
    def status(self) -> str:
        if self.unsupported is not None:
            return f"unsupported: {self.unsupported}"
        return VALIDATED if self.limits is None else f"{VALIDATED} (known limit: {self.limits})"


STOCHASTIC = "obstacles move at random; no nondeterministic DSL update yet"
DEEP = "instructions of three or four clauses ('A and B, then C') are not modelled yet"
WFC_EXTRA = "needs the minigrid[wfc] extra (imageio), not installed"

FAMILIES: tuple[Family, ...] = (
    Family("Empty", r"MiniGrid-Empty-", "minigrid"),
    Family("DoorKey", r"MiniGrid-DoorKey-", "minigrid"),
    Family("Unlock", r"MiniGrid-Unlock-", "minigrid"),
    Family("UnlockPickup", r"MiniGrid-UnlockPickup-", "minigrid"),
    Family("BlockedUnlockPickup", r"MiniGrid-BlockedUnlockPickup-", "minigrid"),
    Family("KeyCorridor", r"MiniGrid-KeyCorridorS", "minigrid"),
    Family("LavaGap", r"MiniGrid-LavaGapS", "minigrid"),
    Family("LavaCrossing", r"MiniGrid-LavaCrossingS", "minigrid"),
    Family("SimpleCrossing", r"MiniGrid-SimpleCrossingS", "minigrid"),
    Family("FourRooms", r"MiniGrid-FourRooms-", "minigrid"),
    Family("MultiRoom", r"MiniGrid-MultiRoom-", "minigrid"),
    Family("GoToObject", r"MiniGrid-GoToObject-", "minigrid",
           limits="done next to where the target was at reset, after it moved"),
    Family("GoToDoor", r"MiniGrid-GoToDoor-", "minigrid"),
    Family("Fetch", r"MiniGrid-Fetch-", "minigrid"),
    Family("PutNear", r"MiniGrid-PutNear-", "minigrid",
           limits="a drop near where a toggled-away target box was"),
    Family("RedBlueDoors", r"MiniGrid-RedBlueDoors-", "minigrid"),
    Family("LockedRoom", r"MiniGrid-LockedRoom-", "minigrid"),
    Family("DistShift", r"MiniGrid-DistShift\d", "minigrid"),
    Family("Playground", r"MiniGrid-Playground-", "minigrid"),
    Family("Memory", r"MiniGrid-MemoryS", "minigrid"),
    Family("ObstructedMaze-Dl", r"MiniGrid-ObstructedMaze-\dDl-", "minigrid"),
    Family("ObstructedMaze", r"MiniGrid-ObstructedMaze-", "babyai"),
    Family("Dynamic-Obstacles", r"MiniGrid-Dynamic-Obstacles-", "minigrid", STOCHASTIC),
    Family("WFC", r"MiniGrid-WFC-", "minigrid", WFC_EXTRA),
    Family("BabyAI-deep", r"BabyAI-(?:BossLevel|MiniBossLevel|GoToSeq|SynthSeq)", "babyai", DEEP),
    Family("BabyAI", r"BabyAI-", "babyai"),
)  # fmt: skip


@dataclass(frozen=True)
class EnvCoverage:
    env_id: str
    family: str
    domain: str
    status: str

    @property
    def supported(self) -> bool:
        return not self.status.startswith("unsupported")


def registered_ids() -> tuple[str, ...]:
    """Every ``MiniGrid-*`` and ``BabyAI-*`` id the installed minigrid registers, sorted."""
    return tuple(
        sorted(k for k in gymnasium.envs.registry if k.startswith(("MiniGrid-", "BabyAI-")))
    )


def family_of(env_id: str) -> Family | None:
    """The first family whose pattern matches `env_id` (None: not a MiniGrid/BabyAI id)."""
    return next((f for f in FAMILIES if f.matches(env_id)), None)


def coverage() -> tuple[EnvCoverage, ...]:
    """One row per registered MiniGrid/BabyAI id (an id no family matches is unsupported)."""
    rows = []
    for env_id in registered_ids():
        fam = family_of(env_id)
        if fam is None:
            rows.append(EnvCoverage(env_id, "?", "minigrid", "unsupported: no adapter family"))
        else:
            rows.append(EnvCoverage(env_id, fam.name, fam.domain, fam.status))
    return tuple(rows)


def supported_ids(domain: str) -> tuple[str, ...]:
    """The supported registered ids of one domain (``minigrid`` or ``babyai``), sorted."""
    return tuple(r.env_id for r in coverage() if r.supported and r.domain == domain)


def unsupported_reason(env_id: str) -> str | None:
    """Why a registered MiniGrid/BabyAI id is unsupported (None: supported or not registered)."""
    row = next((r for r in coverage() if r.env_id == env_id), None)
    if row is None or row.supported:
        return None
    return row.status.removeprefix("unsupported: ")
