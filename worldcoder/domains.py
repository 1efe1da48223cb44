"""The facts about each domain (MiniGrid, BabyAI, Sokoban, Taxi), in one table.

Owns `Domain` and `domain`: which library module (`models/NAME.wc`, see `dsl.parse.library_path`)
is the learner's prior, which is the hand-written reference model the correctness check compares
learned models with, which holds the well-formedness properties that check may assume, and the
level set `learn` plays when given none. Nothing else names these files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dsl.parse import library_path
from worldcoder.envs import domain_of
from worldcoder.envs.registry import DOMAINS

PRIORS = ("perception", "hint")
"""The priors a learner can start from: perception only, or perception plus the domain's hints
(`Domain.hint`)."""
DEFAULT_PRIOR = "hint"
"""What `learn` starts from unless told (`--prior`)."""


@dataclass(frozen=True)
class Domain:
    name: str
    prior: str
    """Library module of the schema and perception helpers the learner starts from (what is
    where, what the agent holds, what the mission names, direction vectors; no dynamics)."""
    hint: str
    """Library module of the prior plus helpers that give part of the dynamics away (what
    blocks, what pushes, what solves): the "hint" prior, measured as an ablation."""
    reference: str
    """Library module of the exact hand-written model (read by the correctness check only)."""
    well_formed: str
    """Library module whose parameterless bool functions are the well-formedness properties the
    correctness check assumes when every seen state satisfies them."""
    standing_on_seen: bool = False
    """The correctness check also assumes the agent shares its cell only with object kinds it was
    seen standing on (MiniGrid: goals, open doors, floor)."""
    levels: str | None = None
    """The level set `learn` plays when given no level file (episode e plays level (seed + e)
    mod its size); None: the environment has no level files."""

    @property
    def prior_path(self) -> Path:
        return library_path(self.prior)

    @property
    def hint_path(self) -> Path:
        return library_path(self.hint)

    def prior_of(self, kind: str) -> Path:
        """The prior file of a `PRIORS` kind: "perception" or "hint"."""
        match kind:
            case "perception":
                return self.prior_path
            case "hint":
                return self.hint_path
            case _:
                raise ValueError(f"unknown prior {kind!r} (known: {', '.join(PRIORS)})")

    @property
    def reference_path(self) -> Path:
        return library_path(self.reference)

    @property
    def well_formed_path(self) -> Path:
        return library_path(self.well_formed)


def domain(name: str) -> Domain:
    """The facts of domain `name` (one of `worldcoder.envs.registry.DOMAINS`)."""
    match name:
        case "minigrid":
            return Domain(name, "minigrid_prior", "minigrid_hint", "minigrid",
                          "minigrid_well_formed", standing_on_seen=True)  # fmt: skip
        case "babyai":
            return Domain(name, "babyai_prior", "babyai_hint", "babyai", "babyai_well_formed",
                          standing_on_seen=True)  # fmt: skip
        case "sokoban":
            return Domain(name, "sokoban_prior", "sokoban_hint", "sokoban", "sokoban_well_formed",
                          levels="bundled")  # fmt: skip
        case "taxi":
            return Domain(name, "taxi_prior", "taxi_hint", "taxi", "taxi_well_formed")
        case _:
            raise ValueError(f"unknown domain {name!r} (known: {', '.join(DOMAINS)})")


def env_domain(env_id: str) -> Domain:
    """The facts of the domain of a supported env id (`EnvError` for an unknown id)."""
    return domain(domain_of(env_id))
