"""Monte Carlo tree search on a compiled model (the planner the WorldCoder paper uses).

Owns `mcts_plan`: UCT over the model's states with a transposition table (one node per distinct
state, so every path to a state shares its statistics), random rollouts to the horizon, and the
shortest rewarding action sequence any simulation met. Same call shape and `Search` result as
`solver.bfs.bfs_plan`; `max_nodes` bounds the work: model steps (tree and rollouts) plus
simulations.

A step is a goal when the reward is positive and done holds (as for BFS). Sampling cannot prove
that no plan exists, so the answer is "sat" or "unknown", except that a step which changes
nothing or ends the episode without reward is pruned, and a state all of whose steps are pruned
is itself a dead end: when the start state is one, no plan exists at any horizon ("unsat").
An edge into a state the search already reached in fewer steps is a detour and is not followed,
which keeps the tree a shortest-path tree over the states it met. Found plans lose their loops
(a revisited state cuts the actions between the two visits), and after the first plan the
search goes on for as much work again, looking for a shorter one. Deterministic for a `seed`.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field

from dsl.compile import CompiledModel
from dsl.values import Mission, State
from plan.astar import Heuristic
from plan.bfs import Search


@dataclass(eq=False)
class _Edge:
    """One action from a node: its cached outcome, the node it leads to, visit statistics."""

    next_state: State
    goal: bool
    dead: bool
    node: _Node | None = None
    visits: int = 0
    value: float = 0.0


@dataclass(eq=False)
class _Node:
    state: State
    depth: int
    visits: int = 0
    edges: dict[str, _Edge] = field(default_factory=dict)
    dead: bool = False
    exhausted: bool = False  # no useful edge at this depth (cleared when the depth drops)


class _Tree:
    """The state of one search: nodes by state, the step count and the best plan so far."""

    def __init__(
        self,
        model: CompiledModel,
        start: State,
        mission: Mission,
        seed: int,
        heuristic: Heuristic | None,
        rollout_depth: int | None = None,
    ) -> None:
        self.rollout_depth = rollout_depth
        self.model, self.start, self.mission = model, start, mission
        self.heuristic = heuristic
        self.actions = model.program.schema.actions
        self.rng = random.Random(seed)
        self.root = _Node(start, 0)
        self.nodes: dict[State, _Node] = {start: self.root}
        self.steps = 0
        self.best: tuple[str, ...] | None = None

    def edge(self, node: _Node, action: str) -> _Edge:
        cached = node.edges.get(action)
        if cached is None:
            out = self.model.step(node.state, action, self.mission)
            self.steps += 1
            goal = out.done and out.reward > 0
            dead = not goal and (out.done or out.next_state == node.state)
            cached = node.edges[action] = _Edge(out.next_state, goal, dead)
        return cached

    def useful(self, node: _Node, edge: _Edge) -> bool:
        """Not dead, and not a detour to a state the search already reached in fewer steps."""
        if edge.dead:
            return False
        if edge.node is None:
            edge.node = self.nodes.get(edge.next_state)
        known = edge.node
        return known is None or (known.depth > node.depth and not known.exhausted)

    def select(self, node: _Node, c: float) -> tuple[str, _Edge] | None:
        """An untried action at random, else the useful edge with the best UCT score."""
        untried = (
            [a for a in self.actions if a not in node.edges]
            if len(node.edges) < len(self.actions)
            else []
        )
        while untried:
            action = untried.pop(self.rng.randrange(len(untried)))
            edge = self.edge(node, action)
            if self.useful(node, edge):
                return action, edge
        live = [(a, e) for a, e in node.edges.items() if self.useful(node, e)]
        if not live:
            node.dead = all(e.dead for e in node.edges.values())
            node.exhausted = True
            return None
        log_n = math.log(node.visits + 1)
        return max(live, key=lambda ae: _uct(ae[1], log_n, c))

    def simulate(self, horizon: int, c: float, gamma: float) -> None:
        """One iteration: descend by UCT, expand one edge, roll out, back the value up."""
        node, path, actions = self.root, list[tuple[_Node, _Edge]](), list[str]()
        on_path, value = {self.root}, 0.0
        while len(actions) < horizon:
            fresh = node.visits == 0
            picked = self.select(node, c)
            if picked is None:
                if path and node.dead:
                    path[-1][1].dead = True
                break
            action, edge = picked
            path.append((node, edge))
            actions.append(action)
            if edge.goal:
                value = self.found(actions, gamma)
                break
            node = self.child(edge, len(actions))
            if node in on_path:
                break
            on_path.add(node)
            if fresh:
                value = self.rollout(node.state, actions, horizon, gamma)
                break
        for parent, edge in path:
            parent.visits += 1
            edge.visits += 1
            edge.value += value

    def child(self, edge: _Edge, depth: int) -> _Node:
        """The node an edge leads to (created on first arrival), its depth lowered to `depth`."""
        if edge.node is None:
            edge.node = self.nodes.get(edge.next_state)
            if edge.node is None:
                edge.node = self.nodes[edge.next_state] = _Node(edge.next_state, depth)
        if depth < edge.node.depth:
            edge.node.depth, edge.node.exhausted = depth, False
        return edge.node

    def rollout(self, state: State, actions: list[str], horizon: int, gamma: float) -> float:
        """Random actions to the horizon (no-op steps are retried, not counted)."""
        end = (
            horizon
            if self.rollout_depth is None
            else min(horizon, len(actions) + self.rollout_depth)
        )
        walk, tries = list(actions), 2 * (end - len(actions))
        guess = self.guess(state, len(walk), gamma)
        while len(walk) < end and tries > 0:
            tries -= 1
            action = self.actions[self.rng.randrange(len(self.actions))]
            out = self.model.step(state, action, self.mission)
            self.steps += 1
            if out.done and out.reward > 0:
                return self.found([*walk, action], gamma)
            if out.done:
                return guess
            if out.next_state != state:
                walk.append(action)
                state = out.next_state
                guess = max(guess, self.guess(state, len(walk), gamma))
        return guess

    def guess(self, state: State, depth: int, gamma: float) -> float:
        """Half the value the heuristic promises from `state` (0 without a heuristic)."""
        if self.heuristic is None:
            return 0.0
        return 0.5 * gamma ** (depth + self.heuristic(state, self.mission))

    def found(self, actions: list[str], gamma: float) -> float:
        """Record a rewarding action sequence (loops removed); its value is gamma ** length."""
        plan = _without_loops(self.model, self.start, self.mission, actions)
        if self.best is None or (len(plan), plan) < (len(self.best), self.best):
            self.best = plan
        return float(gamma ** len(actions))


def _uct(edge: _Edge, log_n: float, c: float) -> float:
    if edge.visits == 0:
        return math.inf
    return edge.value / edge.visits + c * math.sqrt(log_n / edge.visits)


def _without_loops(
    model: CompiledModel, start: State, mission: Mission, actions: list[str]
) -> tuple[str, ...]:
    """The plan with every stretch between two visits of the same state cut out."""
    states, kept = [start], list[str]()
    index = {start: 0}
    state = start
    for action in actions[:-1]:
        state = model.step(state, action, mission).next_state
        if state in index:
            cut = index[state]
            for dropped in states[cut + 1 :]:
                del index[dropped]
            del states[cut + 1 :], kept[cut:]
        else:
            kept.append(action)
            states.append(state)
            index[state] = len(kept)
    return (*kept, actions[-1])


def mcts_plan(
    model: CompiledModel,
    start: State,
    mission: Mission,
    horizon: int,
    *,
    max_nodes: int = 2_000_000,
    timeout: float = 60.0,
    seed: int = 0,
    exploration: float = 1.0,
    gamma: float = 0.95,
    heuristic: Heuristic | None = None,
    rollout_depth: int | None = None,
) -> Search:
    """The shortest plan of at most `horizon` actions to reward > 0 with done that the search
    found ("sat"), or "unknown" when the budget ended first (see the module docstring).

    `heuristic` (e.g. `solver.astar.manhattan_heuristic`) scores rollouts that miss the reward
    by half the value it promises; `rollout_depth` caps rollouts (default: to the horizon)."""
    if horizon <= 0:
        return Search("unsat", (), 0)
    tree = _Tree(model, start, mission, seed, heuristic, rollout_depth)
    deadline = time.monotonic() + timeout
    budget, iterations, reason = max_nodes, 0, ""
    while not reason:
        limit = horizon if tree.best is None else min(horizon, len(tree.best) - 1)
        if limit == 0 or tree.steps + iterations >= budget:
            reason = f"node budget of {max_nodes} exhausted"
            break
        tree.simulate(limit, exploration, gamma)
        iterations += 1
        if tree.best is not None and budget == max_nodes:
            budget = min(max_nodes, 2 * (tree.steps + iterations))
        if iterations % 64 == 0 and time.monotonic() > deadline:
            reason = f"time limit of {timeout:g} s reached"
        reason = reason or _stuck(tree.root)
    spent = tree.steps + iterations
    if tree.best is not None:
        return Search("sat", tree.best, spent)
    return Search("unsat" if tree.root.dead else "unknown", (), spent, reason)


def _stuck(root: _Node) -> str:
    """Why no simulation can add anything from the start any more, or ""."""
    if root.dead:
        return "every step from the start is a dead end"
    if root.exhausted:
        return "no unexplored step left within the horizon"
    return ""
