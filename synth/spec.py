"""What synthesis is asked and what it answers: data only.

`Spec` holds the dataset, the prior library, optional optimism constraints and a budget;
`Result` holds the best program found, whether it is consistent and optimistic, what it still
fails, and the cost. Every proposer reads a `Spec` and reports into a `Cost`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dsl.values import Mission, State, Transition


@dataclass(frozen=True)
class Budget:
    seconds: float = 120.0
    candidates: int = 200_000
    llm_calls: int = 20
    repair_rounds: int = 3
    optimism_seconds: float | None = None
    """The most seconds the offline proposer's search for an optimistic completion may take once
    the data are explained (None: until `seconds` run out). A search that runs out returns the
    data-consistent model, not optimistic, and the completions it tried as alternatives."""


@dataclass(frozen=True)
class Optimism:
    """Start states with missions from which the mission must be achievable within `horizon`."""

    starts: tuple[tuple[State, Mission], ...]
    horizon: int = 30


@dataclass(frozen=True)
class Spec:
    data: tuple[tuple[int, Transition], ...]
    """(1-based JSONL line, transition) pairs."""
    prior: tuple[Path, ...]
    """The prior library files (schema + helpers); the learned program imports them."""
    optimism: Optimism | None = None
    budget: Budget = Budget()
    warm_start: str | None = None
    """DSL text of a current model to refine (the learner keeps what still fits)."""


@dataclass
class Cost:
    candidates: int = 0
    solver_seconds: float = 0.0
    llm_calls: int = 0
    llm_tokens: int = 0
    llm_failures: int = 0
    llm_replayed: int = 0
    """Requests answered from a `ReplyLog` instead of the endpoint (not in `llm_calls`)."""
    llm_rejected: int = 0
    """LLM replies that came back but did not parse or type-check (part of `llm_failures`)."""
    llm_last_error: str = ""
    """Why the last failed LLM attempt gave no program (empty when none failed)."""
    seconds: float = 0.0


@dataclass
class Result:
    text: str
    """The learned program's DSL text (imports the prior by path)."""
    consistent: bool
    optimistic: bool | None
    """None when the spec asked for no optimism."""
    failing: list[int] = field(default_factory=list)
    """1-based lines of the dataset the program still gets wrong."""
    cost: Cost = field(default_factory=Cost)
    proposer: str = ""
    alternatives: list[str] = field(default_factory=list)
    """Other programs as consistent with the data as `text` (DSL text, same form): where they
    disagree with `text` is where new data would tell them apart."""
