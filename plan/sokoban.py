"""A Sokoban planner over any compiled model with Sokoban's schema: A* over pushes.

Owns `sokoban_plan` (same call shape and `Search` result as `solver.bfs.bfs_plan`), the static
analysis of a level it rests on (`Layout`: push distances computed by reverse pulls on the walls,
`dead_squares`), the box-to-target matching heuristic (`sokoban_heuristic`, also usable with
`solver.astar.astar_plan`) and `SokobanKinds`, the object kinds it reads from the schema.

What comes from where:

- the model decides every push: a search node's successors are `model.step` from the node's
  state with the agent put on the cell behind a box, and a push is a goal when the model predicts
  reward > 0 and done. Which action moves the agent which way is also read from the model (by
  stepping the agent from free cells of the start state);
- between pushes the agent walks inside its region: the cells it reaches through cells holding no
  wall or box object (breadth-first on the grid, shortest walks);
- the returned plan (walks and pushes as primitive actions) is replayed in the model before it is
  returned, so a plan the model does not predict to end with reward and done is never returned.

Search: A* with cost = pushes and heuristic = a minimum-cost matching of boxes to targets under
the push distances (each box must get to a distinct target; a lower bound on the pushes still
needed, hence on the actions too, when the reward fires once every box is on a target). Pushes
onto a dead square (no target reachable by pushes from there, even on an empty board) and pushes
that freeze a box off target in a 2x2 block of walls and boxes are pruned. The transposition table
is keyed on (the objects, the top-left cell of the agent's region): states that differ only by
where the agent stands inside one region are one node, and boxes are interchangeable (the objects
are sorted in the key).
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dsl import core as C
from dsl.compile import CompiledModel
from dsl.values import Mission, State
from plan.astar import Heuristic
from plan.bfs import Search, over_budget

Pos = tuple[int, int]
INF = 1 << 30
"""A push distance or heuristic value meaning "never"."""


@dataclass(frozen=True)
class SokobanKinds:
    """The names of the `kind` enum members that play wall, box and target."""

    wall: str = "wall"
    box: str = "box"
    target: str = "target"


@dataclass(frozen=True)
class Fields:
    """Where x, y and kind sit in the schema's agent and object records."""

    ax: int
    ay: int
    ok: int
    ox: int
    oy: int

    @classmethod
    def of(cls, schema: C.Schema, kinds: SokobanKinds) -> Fields:
        agent = {f.name for f in schema.agent}
        obj = {f.name: f for f in schema.object}
        if not {"x", "y"} <= agent or not {"kind", "x", "y"} <= set(obj):
            raise ValueError("a Sokoban schema needs agent x, y and object kind, x, y fields")
        kind = obj["kind"].type
        members = kind.members if isinstance(kind, C.EnumT) else ()
        missing = [k for k in (kinds.wall, kinds.box, kinds.target) if k not in members]
        if missing:
            raise ValueError(f"the object kind enum has no member {missing[0]!r}")
        return cls(
            schema.agent_index("x"),
            schema.agent_index("y"),
            schema.object_index("kind"),
            schema.object_index("x"),
            schema.object_index("y"),
        )

    def agent(self, state: State) -> Pos:
        return int(state.agent[self.ax]), int(state.agent[self.ay])

    def cells(self, state: State, kind: str) -> list[Pos]:
        return [(int(o[self.ox]), int(o[self.oy])) for o in state.objects if o[self.ok] == kind]

    def moved_to(self, state: State, cell: Pos) -> State:
        agent = list(state.agent)
        agent[self.ax], agent[self.ay] = cell
        return State(tuple(agent), state.objects)


@dataclass(frozen=True)
class Layout:
    """The static board: size, walls, and push distances between every pair of floor cells
    (`pushes[target][cell]`: the fewest pushes that bring a box from cell to target with no
    other box on the board; cells missing from the map cannot)."""

    width: int
    height: int
    walls: frozenset[Pos]
    pushes: Mapping[Pos, Mapping[Pos, int]]

    @classmethod
    def of(cls, walls: Iterable[Pos], cells: Iterable[Pos]) -> Layout:
        """The layout of a board with these walls whose size covers `cells` too."""
        wall_set = frozenset(walls)
        every = [*wall_set, *cells]
        width = max((x for x, _ in every), default=-1) + 1
        height = max((y for _, y in every), default=-1) + 1
        floor = [(x, y) for y in range(height) for x in range(width) if (x, y) not in wall_set]
        table = {t: push_distances(wall_set, width, height, t) for t in floor}
        return cls(width, height, wall_set, table)

    def open(self, cell: Pos) -> bool:
        x, y = cell
        return 0 <= x < self.width and 0 <= y < self.height and cell not in self.walls

    def distance(self, box: Pos, target: Pos) -> int:
        return self.pushes.get(target, {}).get(box, INF)


DELTAS: tuple[Pos, ...] = ((0, -1), (0, 1), (-1, 0), (1, 0))


def push_distances(walls: frozenset[Pos], width: int, height: int, target: Pos) -> dict[Pos, int]:
    """Fewest pushes from each cell to `target` on an otherwise empty board, by reverse pulls:
    a box on `cell` came from `cell - d` pushed by an agent on `cell - 2d`."""

    def open_cell(c: Pos) -> bool:
        return 0 <= c[0] < width and 0 <= c[1] < height and c not in walls

    if not open_cell(target):
        return {}
    dist = {target: 0}
    queue = deque([target])
    while queue:
        cell = queue.popleft()
        for dx, dy in DELTAS:
            came = (cell[0] - dx, cell[1] - dy)
            agent = (came[0] - dx, came[1] - dy)
            if came not in dist and open_cell(came) and open_cell(agent):
                dist[came] = dist[cell] + 1
                queue.append(came)
    return dist


def dead_squares(
    walls: Iterable[Pos], targets: Iterable[Pos], width: int, height: int
) -> frozenset[Pos]:
    """Floor cells from which no push sequence brings a box onto any target."""
    wall_set = frozenset(walls)
    live: set[Pos] = set()
    for t in targets:
        live |= push_distances(wall_set, width, height, t).keys()
    floor = {(x, y) for y in range(height) for x in range(width)} - wall_set
    return frozenset(floor - live)


def matching_cost(layout: Layout, boxes: Sequence[Pos], targets: Sequence[Pos]) -> int:
    """Minimum total push distance over assignments of boxes to distinct targets (exact, by
    dynamic programming over subsets of targets); INF when some box can reach no free target."""
    if len(targets) > 16:
        return sum(min((layout.distance(b, t) for t in targets), default=INF) for b in boxes)
    best = {0: 0}
    for box in boxes:
        step: dict[int, int] = {}
        for used, cost in best.items():
            for i, t in enumerate(targets):
                d = layout.distance(box, t)
                if used >> i & 1 or d >= INF:
                    continue
                key = used | 1 << i
                if cost + d < step.get(key, INF):
                    step[key] = cost + d
        best = step
        if not best:
            return INF
    return min(best.values())


def sokoban_heuristic(
    schema: C.Schema, start: State, kinds: SokobanKinds = SokobanKinds()
) -> Heuristic:
    """The box-to-target matching lower bound on the actions still needed, for the walls of
    `start` (0 once no box is left off target, INF when a box can reach no target)."""
    fields = Fields.of(schema, kinds)
    layout = Layout.of(fields.cells(start, kinds.wall), _all_cells(fields, start))

    def estimate(state: State, mission: Mission) -> int:
        return matching_cost(
            layout, fields.cells(state, kinds.box), fields.cells(state, kinds.target)
        )

    return estimate


def _all_cells(fields: Fields, state: State) -> list[Pos]:
    return [fields.agent(state), *((int(o[fields.ox]), int(o[fields.oy])) for o in state.objects)]


def action_deltas(
    model: CompiledModel, start: State, mission: Mission, fields: Fields, layout: Layout
) -> dict[str, Pos]:
    """Which unit move each action makes, read from the model: the agent is put on free cells of
    `start` (no object there) and stepped until every action has moved it (without changing an
    object)."""
    actions = model.program.schema.actions
    taken = set(_all_cells(fields, start)[1:])
    found: dict[str, Pos] = {}
    for y in range(layout.height):
        for x in range(layout.width):
            if len(found) == len(actions):
                return found
            if not layout.open((x, y)) or (x, y) in taken:
                continue
            probe = fields.moved_to(start, (x, y))
            for action in actions:
                nxt = model.next_state(probe, action, mission)
                moved = fields.agent(nxt)
                delta = (moved[0] - x, moved[1] - y)
                if nxt.objects == probe.objects and delta in DELTAS and action not in found:
                    found[action] = delta
    return found


@dataclass(frozen=True)
class Region:
    """The cells the agent can walk to (no wall or box on them), with walk distances."""

    dist: Mapping[Pos, int]
    parent: Mapping[Pos, tuple[Pos, str]]

    @property
    def corner(self) -> Pos:
        """The region's top-left cell (row-major first): the same for every cell of it."""
        return min(self.dist, key=lambda c: (c[1], c[0]))

    def walk(self, cell: Pos) -> list[str]:
        out: list[str] = []
        while cell in self.parent:
            cell, action = self.parent[cell]
            out.append(action)
        return out[::-1]


def region(layout: Layout, solid: frozenset[Pos], agent: Pos, moves: Mapping[str, Pos]) -> Region:
    """Breadth-first walk from `agent` over open cells not in `solid`, with the moves given."""
    dist = {agent: 0}
    parent: dict[Pos, tuple[Pos, str]] = {}
    queue = deque([agent])
    while queue:
        cell = queue.popleft()
        for action, (dx, dy) in moves.items():
            nxt = (cell[0] + dx, cell[1] + dy)
            if nxt not in dist and layout.open(nxt) and nxt not in solid:
                dist[nxt] = dist[cell] + 1
                parent[nxt] = (cell, action)
                queue.append(nxt)
    return Region(dist, parent)


@dataclass(frozen=True)
class _Board:
    """One node's board as the planner sees it."""

    boxes: tuple[Pos, ...]
    targets: tuple[Pos, ...]
    solid: frozenset[Pos]

    @classmethod
    def of(cls, fields: Fields, kinds: SokobanKinds, state: State) -> _Board:
        boxes = fields.cells(state, kinds.box)
        walls = fields.cells(state, kinds.wall)
        targets = fields.cells(state, kinds.target)
        return cls(tuple(boxes), tuple(targets), frozenset(boxes + walls))


Key = tuple[object, ...]
"""A transposition-table key: the sorted objects and the agent's region corner (or cell)."""


@dataclass(frozen=True)
class _Link:
    """How a node was reached: the parent's key, the cell the push started from, the action."""

    parent: Key
    cell: Pos
    action: str


_Entry = tuple[int, int, int, int, Key]  # f, 0 for a goal entry, -g, tiebreak, node key


class _Search:
    """The state of one `sokoban_plan` call."""

    def __init__(
        self,
        model: CompiledModel,
        mission: Mission,
        start: State,
        kinds: SokobanKinds,
        merge_regions: bool,
    ) -> None:
        self.model, self.mission, self.kinds = model, mission, kinds
        self.merge_regions = merge_regions
        self.fields = Fields.of(model.program.schema, kinds)
        self.layout = Layout.of(
            self.fields.cells(start, kinds.wall), _all_cells(self.fields, start)
        )
        self.moves = action_deltas(model, start, mission, self.fields, self.layout)
        self.states: dict[Key, State] = {}
        self.links: dict[Key, _Link | None] = {}
        self.best: dict[Key, int] = {}
        self.steps: dict[Key, int] = {}

    def key(self, state: State, walk: Region) -> Key:
        where = walk.corner if self.merge_regions else self.fields.agent(state)
        return (tuple(sorted(state.objects)), where)

    def board(self, state: State) -> tuple[_Board, Region]:
        board = _Board.of(self.fields, self.kinds, state)
        return board, region(self.layout, board.solid, self.fields.agent(state), self.moves)

    def estimate(self, board: _Board) -> int:
        return matching_cost(self.layout, board.boxes, board.targets)

    def pushes(self, state: State, board: _Board, walk: Region) -> list[tuple[Pos, str]]:
        """(cell behind a box, action) for the pushes worth asking the model about: the agent
        can walk there, the box's next cell is free and not dead, and no 2x2 freeze follows."""
        out: list[tuple[Pos, str]] = []
        for bx, by in board.boxes:
            for action, (dx, dy) in self.moves.items():
                behind, ahead = (bx - dx, by - dy), (bx + dx, by + dy)
                if behind not in walk.dist or ahead in board.solid or not self.layout.open(ahead):
                    continue
                if all(self.layout.distance(ahead, t) >= INF for t in board.targets):
                    continue
                if self._frozen(board, (bx, by), ahead):
                    continue
                out.append((behind, action))
        return out

    def _frozen(self, board: _Board, box: Pos, ahead: Pos) -> bool:
        """Whether the pushed box ends in a 2x2 block of walls and boxes with a box off target."""
        solid = (board.solid - {box}) | {ahead}
        targets = set(board.targets)
        for ox in (-1, 0):
            for oy in (-1, 0):
                block = [(ahead[0] + ox + i, ahead[1] + oy + j) for i in (0, 1) for j in (0, 1)]
                if not all(c in solid or not self.layout.open(c) for c in block):
                    continue
                boxes = [c for c in block if c in solid and c not in self.layout.walls]
                if any(c not in targets for c in boxes if self.layout.open(c)):
                    return True
        return False

    def add(self, key: Key, state: State, link: _Link | None, g: int, steps: int) -> None:
        self.states[key], self.links[key] = state, link
        self.best[key], self.steps[key] = g, steps

    def path(self, link: _Link) -> list[str]:
        """The primitive actions from the start through the push `link` names."""
        pieces: list[list[str]] = []
        step: _Link | None = link
        while step is not None:
            _, walk = self.board(self.states[step.parent])
            pieces.append([*walk.walk(step.cell), step.action])
            step = self.links[step.parent]
        return [a for piece in reversed(pieces) for a in piece]

    def replay(self, start: State, plan: list[str]) -> str:
        """ "" when the model predicts that `plan` ends with reward and done (and not before),
        else why not."""
        state = start
        for i, action in enumerate(plan):
            out = self.model.step(state, action, self.mission)
            last = i == len(plan) - 1
            if out.done or last:
                if last and out.done and out.reward > 0:
                    return ""
                return f"the model does not follow the planned walk (action {i + 1} of {len(plan)})"
            state = out.next_state
        return "empty plan"


def _run(search: _Search, start: State, horizon: int, max_nodes: int, timeout: float) -> Search:
    """A* over pushes: pops the cheapest node, asks the model for each push worth trying."""
    deadline = time.monotonic() + timeout
    _, walk = search.board(start)
    first = search.key(start, walk)
    search.add(first, start, None, 0, 0)
    heap: list[_Entry] = [(0, 1, 0, 0, first)]
    goals: dict[int, _Link] = {}
    expanded = pushed = 0
    while heap:
        _, _, neg_g, tiebreak, key = heapq.heappop(heap)
        if tiebreak in goals:
            plan = search.path(goals[tiebreak])
            problem = search.replay(start, plan)
            return (
                Search("unknown", (), expanded, problem)
                if problem
                else Search("sat", tuple(plan), expanded)
            )
        if -neg_g > search.best[key]:
            continue
        expanded += 1
        if (stop := over_budget(expanded, max_nodes, deadline, timeout, every=16)) is not None:
            return stop
        for entry, link in _successors(search, key, -neg_g, horizon):
            pushed += 1
            entry = (entry[0], entry[1], entry[2], pushed, entry[4])
            if link is not None:
                goals[pushed] = link
            heapq.heappush(heap, entry)
    return Search("unsat", (), expanded)


def _successors(
    search: _Search, key: Key, g: int, horizon: int
) -> list[tuple[_Entry, _Link | None]]:
    """Heap entries for the pushes from node `key` (cost so far `g`): goal entries carry their
    link; other successors are recorded in the search's tables."""
    state = search.states[key]
    board, walk = search.board(state)
    out: list[tuple[_Entry, _Link | None]] = []
    for cell, action in search.pushes(state, board, walk):
        steps = search.steps[key] + walk.dist[cell] + 1
        if steps > horizon:
            continue
        result = search.model.step(search.fields.moved_to(state, cell), action, search.mission)
        nxt = result.next_state
        if result.done and result.reward > 0:
            out.append(((g + 1, 0, -g - 1, 0, key), _Link(key, cell, action)))
            continue
        if result.done or nxt.objects == state.objects:
            continue
        next_board, next_walk = search.board(nxt)
        estimate = search.estimate(next_board)
        next_key = search.key(nxt, next_walk)
        if estimate >= INF or g + 1 >= search.best.get(next_key, INF):
            continue
        search.add(next_key, nxt, _Link(key, cell, action), g + 1, steps)
        out.append(((g + 1 + estimate, 1, -g - 1, 0, next_key), None))
    return out


def sokoban_plan(
    model: CompiledModel,
    start: State,
    mission: Mission,
    horizon: int = 100_000,
    *,
    max_nodes: int = 1_000_000,
    timeout: float = 60.0,
    kinds: SokobanKinds = SokobanKinds(),
    merge_regions: bool = True,
) -> Search:
    """A plan of at most `horizon` actions whose last push the model predicts to give reward > 0
    with done (fewest pushes among the plans the pruning keeps), "unsat" when the search space
    is exhausted, "unknown" when `max_nodes` expansions or `timeout` seconds run out.
    `merge_regions=False` keys the transposition table on the agent's cell instead of its region
    (more nodes; for comparison)."""
    return _run(
        _Search(model, mission, start, kinds, merge_regions), start, horizon, max_nodes, timeout
    )
