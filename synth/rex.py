"""REx: the refine / explore / exploit bandit over candidate programs (Tang et al., 2024).

Every candidate is an arm. Its value is drawn from Beta(1 + C*h, 1 + C*(1 - h) + n), where h is
the candidate's heuristic (the fraction of transitions it explains, optimism counting as one more
example) and n how often it was refined already; Thompson sampling refines the arm with the
largest draw. A high C exploits good candidates, a low C explores; n makes a candidate that keeps
failing to improve give way to others. The bandit knows nothing about programs: any proposer
that turns a candidate into new texts can drive it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar


class Scored(Protocol):
    """What the bandit needs of a score: REx's h in [0, 1]."""

    @property
    def heuristic(self) -> float: ...


S = TypeVar("S", bound=Scored)


@dataclass(frozen=True)
class Candidate(Generic[S]):
    text: str
    score: S
    refinements: int = 0

    @property
    def h(self) -> float:
        return min(1.0, max(0.0, self.score.heuristic))


def beta_parameters(candidate: Candidate[S], c: float) -> tuple[float, float]:
    """Beta(1 + C*h, 1 + C*(1 - h) + n_refinements)."""
    h = candidate.h
    return 1.0 + c * h, 1.0 + c * (1.0 - h) + candidate.refinements


def thompson_pick(pool: Sequence[Candidate[S]], c: float, rng: random.Random) -> int:
    """The index of the candidate whose Beta draw is largest."""
    if not pool:
        raise ValueError("Thompson sampling needs at least one candidate")
    draws = [rng.betavariate(*beta_parameters(cand, c)) for cand in pool]
    return max(range(len(pool)), key=draws.__getitem__)


def best(pool: Sequence[Candidate[S]]) -> Candidate[S]:
    """The candidate with the largest h (the earliest one on ties)."""
    return max(pool, key=lambda cand: cand.h)


def rex(
    initial: Sequence[Candidate[S]],
    refine: Callable[[Candidate[S]], list[str]],
    score_fn: Callable[[str], S],
    *,
    C: float = 5.0,
    rng: random.Random,
    budget_steps: int,
    done: Callable[[Candidate[S]], bool],
    stop: Callable[[], bool] | None = None,
) -> Candidate[S]:
    """Refine candidates until one is `done`, `budget_steps` refinements ran, or `stop()` says so.

    Returns the first candidate that is done, else the best one seen. New texts that equal a
    candidate already in the pool are not scored again.
    """
    pool = list(initial)
    if not pool:
        raise ValueError("REx needs at least one initial candidate")
    finished = next((cand for cand in pool if done(cand)), None)
    seen = {cand.text for cand in pool}
    for _ in range(budget_steps):
        if finished is not None or (stop is not None and stop()):
            break
        i = thompson_pick(pool, C, rng)
        parent = pool[i]
        pool[i] = replace(parent, refinements=parent.refinements + 1)
        for text in refine(parent):
            if text in seen:
                continue
            seen.add(text)
            child = Candidate(text, score_fn(text))
            pool.append(child)
            if done(child):
                finished = child
                break
    return finished if finished is not None else best(pool)
