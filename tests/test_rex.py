"""REx: the Beta parameters, Thompson sampling's preferences, and when the bandit stops."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import pytest

from synth.rex import Candidate, best, beta_parameters, rex, thompson_pick


@dataclass(frozen=True)
class H:
    heuristic: float


def cand(text: str, h: float, refinements: int = 0) -> Candidate[H]:
    return Candidate(text, H(h), refinements)


def picks(pool: list[Candidate[H]], seed: int, n: int = 2000) -> Counter[str]:
    rng = random.Random(seed)
    return Counter(pool[thompson_pick(pool, 5.0, rng)].text for _ in range(n))


def test_beta_parameters_follow_the_paper() -> None:
    assert beta_parameters(cand("a", 0.6, 3), 5.0) == pytest.approx((4.0, 1 + 2.0 + 3))
    assert beta_parameters(cand("a", 1.0), 10.0) == (11.0, 1.0)
    assert beta_parameters(cand("a", 0.0, 2), 5.0) == (1.0, 8.0)


@pytest.mark.parametrize("seed", range(3))
def test_thompson_prefers_the_higher_heuristic(seed: int) -> None:
    got = picks([cand("low", 0.2), cand("high", 0.9)], seed)
    assert got["high"] > 0.85 * 2000


@pytest.mark.parametrize("seed", range(3))
def test_refinements_penalise_a_candidate(seed: int) -> None:
    got = picks([cand("tired", 0.5, refinements=10), cand("fresh", 0.5)], seed)
    assert got["fresh"] > 0.85 * 2000
    # enough failed refinements make even a better candidate give way
    worn = picks([cand("worn", 0.8, refinements=30), cand("new", 0.5)], seed)
    assert worn["new"] > worn["worn"]


def test_a_larger_c_exploits_more() -> None:
    pool = [cand("low", 0.4), cand("high", 0.6)]
    rng = random.Random(0)
    share = {c: sum(thompson_pick(pool, c, rng) for _ in range(3000)) for c in (1.0, 50.0)}
    assert share[50.0] > share[1.0] + 300


@pytest.mark.parametrize("seed", range(5))
def test_rex_refines_the_better_candidate_most(seed: int) -> None:
    chosen: list[str] = []

    def refine(c: Candidate[H]) -> list[str]:
        chosen.append(c.text)
        return []

    out = rex(
        [cand("low", 0.1), cand("high", 0.9)],
        refine,
        lambda t: H(0.0),
        rng=random.Random(seed),
        budget_steps=20,
        done=lambda c: False,
    )
    assert len(chosen) == 20
    assert chosen.count("high") > chosen.count("low")
    assert out.text == "high" and out.refinements == chosen.count("high")


def test_rex_stops_when_done() -> None:
    calls: list[str] = []

    def refine(c: Candidate[H]) -> list[str]:
        calls.append(c.text)
        return [c.text + "+"]

    out = rex(
        [cand("p", 0.5)],
        refine,
        lambda t: H(min(1.0, 0.5 + 0.1 * t.count("+"))),
        rng=random.Random(0),
        budget_steps=100,
        done=lambda c: c.h >= 1.0,
    )
    assert out.text == "p+++++" and out.h == 1.0
    assert len(calls) <= 20 and calls[-1] == "p++++"


def test_rex_returns_a_done_initial_candidate_without_refining() -> None:
    def refine(c: Candidate[H]) -> list[str]:
        raise AssertionError("refined a finished search")

    first = cand("ok", 1.0)
    out = rex(
        [cand("meh", 0.3), first],
        refine,
        lambda t: H(0.0),
        rng=random.Random(0),
        budget_steps=5,
        done=lambda c: c.h == 1.0,
    )
    assert out is first


def test_rex_respects_budget_stop_and_duplicates() -> None:
    scored: list[str] = []

    def score_fn(text: str) -> H:
        scored.append(text)
        return H(0.3)

    out = rex(
        [cand("a", 0.6)],
        lambda c: ["b", "a"],  # "a" is already in the pool, "b" only new the first time
        score_fn,
        rng=random.Random(0),
        budget_steps=7,
        done=lambda c: False,
    )
    assert scored == ["b"]
    assert out.text == "a"
    steps: list[str] = []

    def count(c: Candidate[H]) -> list[str]:
        steps.append(c.text)
        return []

    rex(
        [cand("a", 0.6)],
        count,
        score_fn,
        rng=random.Random(0),
        budget_steps=100,
        done=lambda c: False,
        stop=lambda: len(steps) >= 3,
    )
    assert len(steps) == 3


def test_best_and_empty_pool() -> None:
    assert best([cand("a", 0.2), cand("b", 0.7), cand("c", 0.7)]).text == "b"
    with pytest.raises(ValueError, match="initial"):
        rex(
            [],
            lambda c: [],
            lambda t: H(0.0),
            rng=random.Random(0),
            budget_steps=1,
            done=lambda c: True,
        )
