"""Filling holes in the surface syntax: replace each `??` (found by position) with an expression.

Used to print a sketch with the solver's answer as ordinary DSL text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from dsl import core as C
from dsl import syntax as S
from dsl.parse import parse_expr


def hole_text(hole: C.HoleE, value: C.Scalar) -> str:
    """DSL text for a hole's value (for a choice hole, `value` is the chosen index)."""
    if hole.choices is not None:
        return hole.choice_texts[int(value)]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(hole.type, C.WordT):
        return f'"{value}"'
    return str(value)


def fill_module(module: S.Module, texts: Mapping[S.Pos, str]) -> S.Module:
    """`module` with every hole whose position is in `texts` replaced by that expression."""
    exprs = {pos: parse_expr(text) for pos, text in texts.items()}
    filled = _map(module, exprs)
    assert isinstance(filled, S.Module)
    return filled


def _map(node: Any, exprs: Mapping[S.Pos, S.Expr]) -> Any:
    if isinstance(node, S.Hole) and node.pos in exprs:
        return exprs[node.pos]
    if isinstance(node, tuple):
        return tuple(_map(n, exprs) for n in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, S.Pos | type):
        changes = {f.name: _map(getattr(node, f.name), exprs) for f in dataclasses.fields(node)}
        return dataclasses.replace(node, **changes)
    return node
