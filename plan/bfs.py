"""Explicit-state planning on a compiled model: breadth-first search with state hashing.

States are the keys of `CompiledModel.expansion` (flat tuples with generated code), so the
visited set hashes a few scalars per state.

The second engine of the plan query (the first is Z3 bounded model checking in
`solver.queries`); both return a shortest action list after which the model's reward is positive
and done holds, so a test can hold them to agreement.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from dsl.compile import CompiledModel
from dsl.values import Mission, Outcome, State

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Search:
    status: str  # "sat" | "unsat" | "unknown"
    plan: tuple[str, ...]
    expanded: int
    reason: str = ""


def over_budget(
    expanded: int, max_nodes: int, deadline: float, timeout: float, every: int = 256
) -> Search | None:
    """The "unknown" answer of a search that has expanded more than `max_nodes` states, or has
    passed `deadline` (time.monotonic seconds; the clock is read every `every` expansions)."""
    if expanded > max_nodes:
        return Search("unknown", (), expanded, f"node budget of {max_nodes} exhausted")
    if expanded % every == 0 and time.monotonic() > deadline:
        return Search("unknown", (), expanded, f"time limit of {timeout:g} s reached")
    return None


def bfs_plan(
    model: CompiledModel,
    start: State,
    mission: Mission,
    horizon: int,
    *,
    max_nodes: int = 2_000_000,
    timeout: float = 60.0,
) -> Search:
    """A shortest plan of at most `horizon` actions reaching reward > 0 with done, or none.
    States are keyed as `model.expansion` says (flat tuples with generated code) and searched
    one depth at a time."""
    actions = model.program.schema.actions
    space = model.expansion(mission)
    successors = space.successors
    first = space.key(start)
    parents: dict[Hashable, tuple[Hashable, str] | None] = {first: None}
    deadline = time.monotonic() + timeout
    expanded = 0
    level = [first]
    for _ in range(horizon):
        after: list[Hashable] = []
        for key in level:
            expanded += 1
            check = expanded > max_nodes or not expanded % 256  # what over_budget reads
            if check and (stop := over_budget(expanded, max_nodes, deadline, timeout)):
                return stop
            for i, (nxt, reward, done) in enumerate(successors(key)):
                if done:
                    if reward > 0:
                        return Search("sat", (*path_to(parents, key), actions[i]), expanded)
                elif nxt not in parents:
                    parents[nxt] = (key, actions[i])
                    after.append(nxt)
        if not after:
            break
        level = after
    return Search("unsat", (), expanded)


def reachable_steps(
    model: CompiledModel, start: State, mission: Mission, horizon: int, *, max_nodes: int = 2_000
) -> list[tuple[State, str, Outcome]]:
    """Every (state, action, predicted outcome) within `horizon` actions of `start` (breadth
    first, not past a `done`, at most `max_nodes` states expanded)."""
    actions = model.program.schema.actions
    seen = {start}
    frontier: deque[tuple[State, int]] = deque([(start, 0)])
    out: list[tuple[State, str, Outcome]] = []
    expanded = 0
    while frontier and expanded < max_nodes:
        state, depth = frontier.popleft()
        if depth >= horizon:
            continue
        expanded += 1
        for action in actions:
            step = model.step(state, action, mission)
            out.append((state, action, step))
            if not step.done and step.next_state not in seen:
                seen.add(step.next_state)
                frontier.append((step.next_state, depth + 1))
    return out


def path_to(parents: Mapping[K, tuple[K, str] | None], state: K) -> list[str]:
    out: list[str] = []
    link = parents[state]
    while link is not None:
        state, action = link
        out.append(action)
        link = parents[state]
    return out[::-1]
