"""Hypothesis strategies for surface syntax trees (`dsl.syntax`), any shape, not necessarily typed.

`modules()` draws whole files with every declaration kind, `exprs()` draws expressions with every
node kind. Names match [a-z_][a-z0-9_]* and are never keywords nor a bare `_` (the wildcard);
integer literals are 0..INT_LIMIT (`-1` parses as `Neg(IntLit(1))`); word literals match [a-z]+.
Recursion is bounded with `st.recursive`, so a drawn tree stays small enough for the parser's
depth limits.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from dsl import syntax as S
from dsl.parse import INT_LIMIT, KEYWORDS

BIN_OPS: tuple[S.BinOp, ...] = (
    "or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "//", "%",
)  # fmt: skip
QUANT_KINDS: tuple[S.QuantKind, ...] = ("any", "all", "count", "sum")
TYPE_WORDS = ("bool", "int", "word", "obj", "state", "Kind", "Color", "Action")
COMMON_NAMES = (
    "agent", "objects", "next", "action", "state", "o", "x", "y", "kind", "open", "wall",
    "door", "red", "f", "dx", "reward", "done", "a_long_descriptive_helper_name",
)  # fmt: skip


def _not_keyword(s: str) -> bool:
    return s not in KEYWORDS and s != "_"


# A bare `_` matches NAME, but it is the wildcard of `match`, so no name is ever `_`.
names: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(COMMON_NAMES),
    st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True).filter(_not_keyword),
)
members: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(COMMON_NAMES),
    st.from_regex(r"[a-z][a-z0-9_]{0,7}|_[a-z0-9_]{1,7}", fullmatch=True).filter(_not_keyword),
)
words: st.SearchStrategy[str] = st.from_regex(r"[a-z]{1,8}", fullmatch=True)
# Anything a STRING token can hold: no double quote, backslash or newline.
import_paths: st.SearchStrategy[str] = st.text(
    st.characters(codec="utf-8", exclude_characters='"\\\n', exclude_categories=("Cs",)),
    max_size=16,
)


@st.composite
def type_names(draw: st.DrawFn) -> S.TypeName:
    name = draw(st.one_of(st.sampled_from(TYPE_WORDS), names))
    if draw(st.booleans()):
        lo = draw(st.integers(-1000, 1000))
        hi = draw(st.integers(-1000, 1000))
        return S.TypeName(name, lo, hi)
    return S.TypeName(name)


def _leaves() -> st.SearchStrategy[S.Expr]:
    return st.one_of(
        st.builds(S.IntLit, st.one_of(st.integers(0, 40), st.integers(0, INT_LIMIT))),
        st.builds(S.BoolLit, st.booleans()),
        st.builds(S.WordLit, words),
        st.builds(S.Name, names),
        st.just(S.Hole()),
        st.builds(S.Hole, type_names()),
    )


def _extend(e: st.SearchStrategy[S.Expr]) -> st.SearchStrategy[S.Expr]:
    few = st.lists(e, min_size=1, max_size=3).map(tuple)
    cases = st.lists(
        st.builds(S.Case, st.one_of(st.none(), members), e), min_size=1, max_size=4
    ).map(tuple)
    return st.one_of(
        st.builds(S.Attr, e, names),
        st.builds(S.Call, names, st.lists(e, max_size=3).map(tuple)),
        st.builds(S.Not, e),
        st.builds(S.Neg, e),
        st.builds(S.Binary, st.sampled_from(BIN_OPS), e, e),
        st.builds(S.If, e, e, e),
        st.builds(S.Let, names, e, e),
        st.builds(S.Quant, st.sampled_from(QUANT_KINDS), names, e, e),
        st.builds(S.The, names, e, e, e, e),
        st.builds(S.Match, e, cases),
        st.builds(S.Hole, st.none(), few),
    )


def exprs(max_leaves: int = 20) -> st.SearchStrategy[S.Expr]:
    return st.recursive(_leaves(), _extend, max_leaves=max_leaves)


def _tuple_of(s: st.SearchStrategy[Any], min_size: int = 0, max_size: int = 4) -> Any:
    return st.lists(s, min_size=min_size, max_size=max_size).map(tuple)


def items(max_leaves: int = 20) -> st.SearchStrategy[S.Item]:
    e = exprs(max_leaves)
    update = st.builds(S.Update, names, names, e)
    for_block = st.builds(S.ForBlock, names, names, _tuple_of(update, max_size=3))
    return st.one_of(
        st.builds(S.Import, import_paths),
        st.builds(S.LibraryImport, names),
        st.builds(S.EnumDecl, names, _tuple_of(members, 1, 5)),
        st.builds(S.ActionsDecl, _tuple_of(members, 1, 5)),
        st.builds(S.RecordDecl, names, _tuple_of(st.builds(S.FieldDecl, names, type_names()))),
        st.builds(
            S.FnDecl,
            names,
            _tuple_of(st.builds(S.Param, names, type_names()), max_size=3),
            type_names(),
            e,
        ),
        st.builds(S.TransitionDecl, _tuple_of(st.one_of(update, for_block), max_size=4)),
        st.builds(S.OutcomeDecl, names, e),
    )


def modules(max_items: int = 6, max_leaves: int = 20) -> st.SearchStrategy[S.Module]:
    return st.builds(S.Module, _tuple_of(items(max_leaves), max_size=max_items))


# ----------------------------------------------------------------------------- tree walking


def children(node: object) -> list[object]:
    """The syntax nodes directly inside `node` (any node kind, including Module; not positions)."""
    out: list[object] = []
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        for v in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(v) and not isinstance(v, S.Pos):
                out.append(v)
    return out


def walk(node: object) -> list[object]:
    """`node` and every syntax node below it, iteratively."""
    out: list[object] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(children(n))
    return out
