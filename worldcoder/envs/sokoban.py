"""Sokoban: level parser, a gymnasium environment and its object-centric adapter.

Owns the Boxoban level format (``; N`` header lines followed by ASCII rows:
``#`` wall, ``@`` player, ``$`` box, ``.`` target, ``*`` box on target,
``+`` player on target, space floor; ragged rows are padded with floor), the
`SokobanEnv` game rules (push one box at a time; +1 and termination once every
box is on a target; truncation after ``max_steps``) and `SokobanObjectEnv`.

State format::

    {"agent": {"x": int, "y": int},
     "objects": [{"kind": "wall" | "target" | "box", "x": int, "y": int}, ...]}

Objects are the walls row-major, then the targets row-major, then the boxes in
their initial row-major order (a box keeps its slot as it moves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from .base import EnvError, JsonState, Step, action_index, not_reset_error

Pos = tuple[int, int]
Grid = NDArray[np.int8]

SOKOBAN_ACTIONS: tuple[str, ...] = ("up", "down", "left", "right")
SOKOBAN_MISSION = "push every box onto a target"
LEVEL_CHARS = "#@$.*+ "
_DELTAS: tuple[Pos, ...] = ((0, -1), (0, 1), (-1, 0), (1, 0))
# Observation codes: 0 outside the level, then one code per cell content.
_CODES = {" ": 1, "#": 2, ".": 3, "$": 4, "*": 5, "@": 6, "+": 7}
_MAX_CODE = 7


LEVEL_SETS: Mapping[str, str] = MappingProxyType(
    {"bundled": "bundled.txt", "boxoban": "boxoban/unfiltered-test-000.txt"}
)
"""The level files shipped in ``levels/``, by the name a level-file option accepts in place of a
path: ``bundled``, a few small hand-made levels; ``boxoban``, the 1,000 levels of DeepMind's
Boxoban "unfiltered" test set, file 000 (Apache License 2.0, ``levels/boxoban/LICENSE``)."""


LEVEL_SET_NAMES = ", ".join(LEVEL_SETS)


def level_set_path(name: str) -> Path:
    """The file of the shipped level set ``name`` (a key of `LEVEL_SETS`)."""
    return Path(str(resources.files(__package__).joinpath("levels", LEVEL_SETS[name])))


def bundled_levels_path() -> Path:
    """The bundled hand-made levels (Boxoban format)."""
    return level_set_path("bundled")


def boxoban_levels_path() -> Path:
    """The shipped Boxoban levels (1,000 levels of 10x10, four boxes each)."""
    return level_set_path("boxoban")


def level_source(level_file: str | Path) -> Path:
    """The file a level-file option names: a shipped level set by name (`LEVEL_SETS`; write
    ``./boxoban`` for a file of that name), else a path."""
    if isinstance(level_file, str) and level_file in LEVEL_SETS:
        return level_set_path(level_file)
    return Path(level_file)


@dataclass(frozen=True)
class Level:
    """One parsed level; positions are (x, y) = (column, row), sorted row-major."""

    name: str
    source: str
    width: int
    height: int
    walls: tuple[Pos, ...]
    targets: tuple[Pos, ...]
    boxes: tuple[Pos, ...]
    player: Pos


@dataclass(frozen=True)
class _RawLevel:
    """A level's header and rows before validation (line numbers are 1-based)."""

    source: str
    header_line: int
    name: str
    rows: tuple[tuple[int, str], ...] = field(default=())


def _located(source: str, line: int, message: str) -> EnvError:
    return EnvError(f"{source}:{line}: {message}")


def _split_levels(text: str, source: str) -> list[_RawLevel]:
    """Group lines into levels: a ``;`` header, then rows until a blank line."""
    levels: list[_RawLevel] = []
    current: _RawLevel | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.rstrip("\r\n")
        if line.lstrip().startswith(";"):
            current = _RawLevel(source, number, line.lstrip()[1:].strip())
            levels.append(current)
        elif not line.strip():
            if current is not None and current.rows:
                current = None
        elif current is None:
            raise _located(
                source, number, "level row outside a level (a '; N' header line must come first)"
            )
        else:
            levels[-1] = current = _RawLevel(
                source, current.header_line, current.name, (*current.rows, (number, line))
            )
    return levels


def _check_chars(source: str, rows: tuple[tuple[int, str], ...]) -> None:
    for number, line in rows:
        for column, char in enumerate(line, start=1):
            if char not in LEVEL_CHARS:
                raise _located(
                    source,
                    number,
                    f"unknown character {char!r} at column {column} "
                    "(allowed: '#' wall, '@' player, '$' box, '.' target, "
                    "'*' box on target, '+' player on target, ' ' floor)",
                )


def _find_player(raw: _RawLevel) -> Pos:
    found: tuple[int, Pos] | None = None
    for y, (number, line) in enumerate(raw.rows):
        for x, char in enumerate(line):
            if char not in "@+":
                continue
            if found is not None:
                raise _located(
                    raw.source,
                    number,
                    f"level {raw.name!r}: a second player at column {x + 1} "
                    f"(the first is on line {found[0]})",
                )
            found = (number, (x, y))
    if found is None:
        raise _located(raw.source, raw.header_line, f"level {raw.name!r}: no player ('@' or '+')")
    return found[1]


def _cells(raw: _RawLevel, chars: str) -> tuple[Pos, ...]:
    """Positions of ``chars`` in row-major order."""
    return tuple(
        (x, y)
        for y, (_, line) in enumerate(raw.rows)
        for x, char in enumerate(line)
        if char in chars
    )


def _build_level(raw: _RawLevel) -> Level:
    if not raw.rows:
        raise _located(raw.source, raw.header_line, f"level {raw.name!r}: no rows")
    _check_chars(raw.source, raw.rows)
    player = _find_player(raw)
    boxes, targets = _cells(raw, "$*"), _cells(raw, ".*+")
    if not boxes:
        raise _located(raw.source, raw.header_line, f"level {raw.name!r}: no boxes")
    if len(boxes) != len(targets):
        raise _located(
            raw.source,
            raw.header_line,
            f"level {raw.name!r}: {len(boxes)} boxes but {len(targets)} targets "
            "(counts must match)",
        )
    return Level(
        name=raw.name,
        source=f"{raw.source}:{raw.header_line}",
        width=max(len(line) for _, line in raw.rows),
        height=len(raw.rows),
        walls=_cells(raw, "#"),
        targets=targets,
        boxes=boxes,
        player=player,
    )


def parse_levels(text: str, source: str = "<string>") -> list[Level]:
    """Parse Boxoban-format text; errors are `EnvError` located as ``source:line``."""
    levels = [_build_level(raw) for raw in _split_levels(text, source)]
    if not levels:
        raise EnvError(f"{source}: no levels found (expected '; N' header lines)")
    return levels


def load_levels(path: str | Path) -> list[Level]:
    """Read and parse a Boxoban-format level file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EnvError(
            f"cannot read level file {str(path)!r}: {exc.strerror or exc} "
            f"(give a path, or a shipped level set: {LEVEL_SET_NAMES})"
        ) from None
    except UnicodeDecodeError:
        raise EnvError(f"level file {str(path)!r} is not UTF-8 text") from None
    return parse_levels(text, str(path))


def check_level_index(level: int | None, count: int, source: str) -> None:
    """Raise `EnvError` unless ``level`` is None or a valid index into ``count`` levels."""
    if level is not None and not 0 <= level < count:
        raise EnvError(
            f"level {level} is out of range: {source} has {count} levels (0..{count - 1})"
        )


def level_text(level: Level, player: Pos, boxes: Sequence[Pos]) -> str:
    """ASCII rendering of ``level`` with the player and boxes at the given cells."""
    rows = [[" "] * level.width for _ in range(level.height)]
    for x, y in level.walls:
        rows[y][x] = "#"
    for x, y in level.targets:
        rows[y][x] = "."
    for x, y in boxes:
        rows[y][x] = "*" if rows[y][x] == "." else "$"
    px, py = player
    rows[py][px] = "+" if rows[py][px] == "." else "@"
    return "\n".join("".join(row) for row in rows)


class SokobanEnv(gymnasium.Env[Grid, np.int64]):
    """Sokoban with the gymnasium API; observations are cell-code grids.

    ``level`` fixes the level played on every reset; when it is None the level
    is ``seed % len(levels)`` (or drawn from ``np_random`` when seed is None).
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi"]}  # noqa: RUF012 (gymnasium API)

    def __init__(
        self,
        levels: Sequence[Level],
        level: int | None = None,
        max_steps: int = 100,
        step_penalty: float = 0.0,
        render_mode: str | None = None,
    ) -> None:
        if not levels:
            raise EnvError("SokobanEnv needs at least one level")
        check_level_index(level, len(levels), "SokobanEnv")
        if max_steps < 1:
            raise EnvError(f"max_steps must be at least 1, got {max_steps}")
        self.levels = tuple(levels)
        self.fixed_level = level
        self.max_steps = max_steps
        self.step_penalty = step_penalty
        self.render_mode = render_mode
        height = max(lv.height for lv in self.levels)
        width = max(lv.width for lv in self.levels)
        self._shape = (height, width)
        self.observation_space = spaces.Box(0, _MAX_CODE, shape=self._shape, dtype=np.int8)
        self.action_space = spaces.Discrete(len(SOKOBAN_ACTIONS))
        self._level: Level | None = None
        self._walls: frozenset[Pos] = frozenset()
        self._player: Pos = (0, 0)
        self._boxes: list[Pos] = []
        self._steps = 0

    @property
    def level(self) -> Level:
        """The level of the current episode."""
        if self._level is None:
            raise not_reset_error("Sokoban")
        return self._level

    @property
    def player(self) -> Pos:
        return self._player

    @property
    def boxes(self) -> tuple[Pos, ...]:
        """Box positions in slot order (initial row-major order)."""
        return tuple(self._boxes)

    def _pick_level(self, seed: int | None) -> int:
        if self.fixed_level is not None:
            return self.fixed_level
        if seed is not None:
            return seed % len(self.levels)
        return int(self.np_random.integers(len(self.levels)))

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Grid, dict[str, Any]]:
        super().reset(seed=seed)
        index = self._pick_level(seed)
        self._level = self.levels[index]
        self._walls = frozenset(self._level.walls)
        self._player = self._level.player
        self._boxes = list(self._level.boxes)
        self._steps = 0
        return self._obs(), {"level": index, "level_name": self._level.name}

    def _blocked(self, pos: Pos) -> bool:
        level = self.level
        x, y = pos
        return pos in self._walls or not (0 <= x < level.width and 0 <= y < level.height)

    def _move(self, action: int) -> None:
        dx, dy = _DELTAS[action]
        px, py = self._player
        ahead = (px + dx, py + dy)
        if self._blocked(ahead):
            return
        if ahead in self._boxes:
            beyond = (ahead[0] + dx, ahead[1] + dy)
            if self._blocked(beyond) or beyond in self._boxes:
                return
            self._boxes[self._boxes.index(ahead)] = beyond
        self._player = ahead

    def solved(self) -> bool:
        """True when every box is on a target."""
        return set(self._boxes) == set(self.level.targets)

    def step(self, action: int | np.int64) -> tuple[Grid, float, bool, bool, dict[str, Any]]:
        if self._level is None:
            raise not_reset_error("Sokoban")
        if not 0 <= int(action) < len(SOKOBAN_ACTIONS):
            raise EnvError(
                f"Sokoban: action {action} is out of range 0..{len(SOKOBAN_ACTIONS) - 1}"
            )
        self._move(int(action))
        self._steps += 1
        terminated = self.solved()
        reward = (1.0 if terminated else 0.0) + self.step_penalty
        truncated = not terminated and self._steps >= self.max_steps
        return self._obs(), reward, terminated, truncated, {}

    def render_text(self) -> str:
        """The current grid as Boxoban ASCII."""
        return level_text(self.level, self._player, self._boxes)

    def render(self) -> str | None:
        return self.render_text() if self.render_mode == "ansi" else None

    def _obs(self) -> Grid:
        obs = np.zeros(self._shape, dtype=np.int8)
        for y, line in enumerate(self.render_text().split("\n")):
            for x, char in enumerate(line):
                obs[y, x] = _CODES[char]
        return obs

    def object_state(self) -> JsonState:
        """The object-centric JSON state (see the module docstring)."""
        level = self.level
        objects = [{"kind": "wall", "x": x, "y": y} for x, y in level.walls]
        objects += [{"kind": "target", "x": x, "y": y} for x, y in level.targets]
        objects += [{"kind": "box", "x": x, "y": y} for x, y in self._boxes]
        px, py = self._player
        return {"agent": {"x": px, "y": py}, "objects": objects}


class SokobanObjectEnv:
    """`ObjectEnv` adapter over `SokobanEnv`; model reward equals the raw reward."""

    domain = "sokoban"
    actions = SOKOBAN_ACTIONS

    def __init__(self, name: str, env: SokobanEnv) -> None:
        self.name = name
        self.env = env
        self._started = False

    def reset(self, seed: int | None = None) -> tuple[JsonState, str]:
        self.env.reset(seed=seed)
        self._started = True
        return self.env.object_state(), SOKOBAN_MISSION

    def step(self, action: str) -> Step:
        if not self._started:
            raise not_reset_error(self.name)
        _, reward, terminated, truncated, _ = self.env.step(
            action_index(self.name, self.actions, action)
        )
        return Step(
            state=self.env.object_state(),
            reward=reward,
            raw_reward=reward,
            terminated=terminated,
            truncated=truncated,
            mission=SOKOBAN_MISSION,
        )

    def close(self) -> None:
        self.env.close()


def make_sokoban(
    name: str,
    *,
    level_file: str | Path | None = None,
    level: int | None = None,
    max_steps: int | None = None,
    step_penalty: float = 0.0,
) -> SokobanObjectEnv:
    """Build the Sokoban adapter: bundled level 0 by default, else ``level`` of
    ``level_file`` (a path or a `LEVEL_SETS` name; the seed-chosen level of ``level_file`` when
    ``level`` is None)."""
    source = bundled_levels_path() if level_file is None else level_source(level_file)
    levels = load_levels(source)
    if level is None and level_file is None:
        level = 0
    check_level_index(level, len(levels), str(source))
    env = SokobanEnv(levels, level, 100 if max_steps is None else max_steps, step_penalty)
    return SokobanObjectEnv(name, env)
