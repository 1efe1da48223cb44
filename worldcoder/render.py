"""Pictures of object-centric states: ASCII grids and GIF animations.

Owns `text_frame` (a state as a grid of glyphs, read generically from the schema: the agent's
x, y and optional dir, and every object's kind, x, y and flags), the glyph styles of the three
domains, `rgb_frame` (the environment's own picture where it has one: MiniGrid), `text_image`
(a text frame drawn as pixels, for environments without pictures) and `write_gif`.

Layout: one character per cell followed by a separator, `|` where a `wall_east` object stands
(Taxi) and a `-` line under cells with a `wall_south` object; objects off the grid (x or y < 0)
with a true flag, such as a carried key or a passenger in the taxi, are listed under the grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from dsl import core as C
from dsl.values import State, as_mapping

Obj = Mapping[str, C.Scalar]


@dataclass(frozen=True)
class Style:
    """Glyphs of one domain; `kinds` is ordered by priority when several objects share a cell."""

    kinds: Mapping[str, str]
    empty: str
    agent: str  # one glyph, or four indexed by dir (east, south, west, north)
    combos: Mapping[frozenset[str], str]  # e.g. a box on a target; "agent" stands for the agent
    legend: str


STYLES: Mapping[str, Style] = MappingProxyType({
    "minigrid": Style(
        MappingProxyType({"goal": "G", "key": "K", "ball": "O", "box": "B", "door": "D",
                          "lava": "~", "wall": "#", "floor": "."}),
        ".", ">v<^", MappingProxyType({}),
        "# wall  D closed door  L locked door  / open door  K key  O ball  B box  G goal  ~ lava"
        "  >v<^ agent",
    ),
    "sokoban": Style(
        MappingProxyType({"box": "$", "wall": "#", "target": "."}), " ", "@",
        MappingProxyType({frozenset({"box", "target"}): "*", frozenset({"agent", "target"}): "+"}),
        "# wall  $ box  . target  * box on target  @ agent  + agent on target",
    ),
    "taxi": Style(
        MappingProxyType({"passenger": "P", "destination": "D", "landmark": "+"}), ".", "T",
        MappingProxyType({}), "T taxi  P passenger  D destination  + landmark  | - walls",
    ),
})  # fmt: skip
GENERIC = Style(MappingProxyType({}), ".", "@", MappingProxyType({}), "@ agent")
"""Other domains: each object shows the first letter of its kind."""

WALLS = ("wall_east", "wall_south")


def text_frame(schema: C.Schema, state: State, domain: str) -> str:
    """The state as an ASCII grid, plus a line of agent fields and held objects."""
    style = STYLES.get("minigrid" if domain == "babyai" else domain, GENERIC)
    agent = as_mapping(state.agent, schema.agent)
    objects = [as_mapping(o, schema.object) for o in state.objects]
    width, height = _extent(agent, objects)
    east = {(o["x"], o["y"]) for o in objects if o.get("kind") == "wall_east"}
    south = {(o["x"], o["y"]) for o in objects if o.get("kind") == "wall_south"}
    lines = [_south_line(south, -1, width)] if any(y == -1 for _, y in south) else []
    for y in range(height):
        cells = "".join(
            _cell(style, agent, objects, x, y) + ("|" if (x, y) in east else " ")
            for x in range(width)
        )
        lines.append(("|" if (-1, y) in east else " ") + cells)
        if any(sy == y for _, sy in south):
            lines.append(_south_line(south, y, width))
    lines = [line.rstrip() for line in lines]
    status = _status(agent, objects)
    return "\n".join(lines + ([status] if status else []))


def _extent(agent: Obj, objects: list[Obj]) -> tuple[int, int]:
    xs = [int(agent.get("x", 0))] + [int(o.get("x", -1)) for o in objects]
    ys = [int(agent.get("y", 0))] + [int(o.get("y", -1)) for o in objects]
    return max(xs) + 1, max(ys) + 1


def _south_line(south: set[tuple[Any, Any]], y: int, width: int) -> str:
    return " " + "".join(("-" if (x, y) in south else " ") + " " for x in range(width))


def _cell(style: Style, agent: Obj, objects: list[Obj], x: int, y: int) -> str:
    here = [
        o
        for o in objects
        if o.get("x") == x
        and o.get("y") == y
        and o.get("kind") not in WALLS
        and not o.get("inside")
    ]
    kinds = {str(o.get("kind")) for o in here}
    if agent.get("x") == x and agent.get("y") == y:
        combo = style.combos.get(frozenset(kinds | {"agent"}))
        glyphs = style.agent
        return combo or (glyphs[int(agent.get("dir", 0)) % 4] if len(glyphs) == 4 else glyphs)
    if not here:
        return style.empty
    combo = style.combos.get(frozenset(kinds))
    if combo:
        return combo
    order = list(style.kinds)
    top = min(here, key=lambda o: order.index(str(o["kind"])) if o["kind"] in order else len(order))
    return _object_glyph(style, top)


def _object_glyph(style: Style, o: Obj) -> str:
    """The kind's glyph; a locked object shows L, an open one /."""
    if o.get("locked") is True:
        return "L"
    if o.get("open") is True:
        return "/"
    kind = str(o.get("kind", "?"))
    return style.kinds.get(kind, kind[:1].upper() or "?")


def _status(agent: Obj, objects: list[Obj]) -> str:
    fields = [f"{k}={v}" for k, v in agent.items() if k not in ("x", "y", "dir")]
    held = [
        f"{o.get('kind')} ({flag})"
        for o in objects
        if int(o.get("x", 0)) < 0 and o.get("kind") not in WALLS
        for flag, value in o.items()
        if value is True
    ]
    return "  ".join(fields + (["off grid: " + ", ".join(held)] if held else []))


# ----------------------------------------------------------------------------- pictures


def rgb_frame(env: object) -> np.ndarray[Any, Any] | None:
    """The environment's own full-grid picture (MiniGrid's `get_frame`), or None."""
    get_frame = getattr(getattr(env, "unwrapped", None), "get_frame", None)
    if not callable(get_frame):
        return None
    return np.asarray(get_frame(highlight=False, tile_size=24), dtype=np.uint8)


def text_image(text: str) -> np.ndarray[Any, Any]:
    """A text frame drawn in black on white, one fixed-width cell per character."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    left, top, right, bottom = font.getbbox("M")
    cw, ch = int(right - left) + 2, int(bottom - top) + 6
    lines = text.splitlines() or [""]
    image = Image.new("RGB", (cw * max(len(s) for s in lines) + 8, ch * len(lines) + 8), "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        for col, char in enumerate(line):
            draw.text((4 + col * cw, 4 + row * ch), char, fill="black", font=font)
    return np.asarray(image, dtype=np.uint8)


def write_gif(path: Path, frames: Sequence[np.ndarray[Any, Any]], ms_per_frame: int = 400) -> None:
    """An endlessly looping animation; frames of different sizes are padded to the largest."""
    from PIL import Image

    height = max(f.shape[0] for f in frames)
    width = max(f.shape[1] for f in frames)
    images = []
    for frame in frames:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(Image.fromarray(frame), (0, 0))
        images.append(canvas)
    images[0].save(path, save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
