"""The canonical printer and the parser are inverses: `parse_module(pretty(m)) == m`.

Trees come from `tests.strategies` (every expression and declaration kind, untyped), so this
tests the grammar, the parser's tree building and the printer's parenthesisation and layout.
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dsl import syntax as S
from dsl.parse import parse_expr, parse_module
from dsl.pretty import expr_text, pretty
from tests.strategies import exprs, modules, walk

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

LONG = S.Name("a_very_long_name_that_forces_the_printer_to_break_the_line_somewhere")


def _fn(body: S.Expr) -> S.Module:
    return S.Module((S.FnDecl("f", (), S.TypeName("int"), body),))


@SETTINGS
@given(modules())
@example(
    S.Module(
        (
            S.FnDecl(
                "f",
                (S.Param("k", S.TypeName("Kind")),),
                S.TypeName("int", -3, 7),
                S.If(
                    S.Binary("==", LONG, LONG),
                    S.Let("x", LONG, S.Match(LONG, (S.Case("a", LONG), S.Case(None, LONG)))),
                    S.If(LONG, S.Neg(S.Neg(S.IntLit(1))), S.Hole(S.TypeName("int", 0, 3))),
                ),
            ),
            S.TransitionDecl(
                (
                    S.Update("agent", "x", S.If(LONG, LONG, LONG)),
                    S.ForBlock("o", "objects", (S.Update("o", "open", S.Not(LONG)),)),
                )
            ),
        )
    )
)
def test_parse_pretty_roundtrip(m: S.Module) -> None:
    text = pretty(m)
    parsed = parse_module(text, "gen.wc")
    assert parsed == m, text
    assert pretty(parsed) == text
    for node in walk(parsed):
        pos = getattr(node, "pos", None)
        if pos is not None:
            assert pos.file == "gen.wc" and pos.line >= 1 and pos.col >= 1, (node, text)


@SETTINGS
@given(exprs())
def test_expr_text_roundtrip(e: S.Expr) -> None:
    text = expr_text(e)
    assert "\n" not in text
    assert parse_expr(text) == e, text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules(), st.randoms(use_true_random=False))
def test_pretty_normalises_layout(m: S.Module, rnd: random.Random) -> None:
    """Re-laid-out text (lines joined or split, extra blanks, comments) prints canonically."""
    text = pretty(m)
    seps = [" ", "  ", "\n", "\t", " # a comment\n", "\n\n"]
    pieces = re.split(r'("[^"\n]*")', text)  # odd pieces are string literals: keep them
    noisy = "".join(
        piece
        if i % 2
        else "".join(rnd.choice(seps) if c in " \n" and rnd.random() < 0.5 else c for c in piece)
        for i, piece in enumerate(pieces)
    )
    assert pretty(parse_module(noisy)) == text, noisy


def test_positions_are_one_based_and_exact() -> None:
    text = "def f(k: Kind) -> int =\n  match k { a => 1, _ => ??: int[0..3] }\n"
    m = parse_module(text, "p.wc")
    fn = m.items[0]
    assert isinstance(fn, S.FnDecl)
    assert str(fn.pos) == "p.wc:1:1"
    assert str(fn.params[0].pos) == "p.wc:1:7"
    assert isinstance(fn.body, S.Match)
    assert str(fn.body.pos) == "p.wc:2:3"
    assert [str(c.pos) for c in fn.body.cases] == ["p.wc:2:13", "p.wc:2:21"]
    hole = fn.body.cases[1].body
    assert isinstance(hole, S.Hole) and str(hole.pos) == "p.wc:2:26"


# A plain `??` that ends a match subject, a quantifier's collection or a `the` condition is
# followed by `{` / `:`, which the parser would read as part of the hole (`??{...}`, `??: type`):
# the grammar's shift/reduce conflicts on LBRACE and COLON after "??". The printer
# parenthesises such an expression: `match (??) { ... }`.
TRAILING_HOLE = [
    (_fn(S.Match(S.Hole(), (S.Case(None, S.IntLit(1)),))), "match (??) {"),
    (
        _fn(S.Match(S.Binary("+", S.Name("x"), S.Hole()), (S.Case(None, S.IntLit(1)),))),
        "match (x + ??) {",
    ),
    (_fn(S.Quant("count", "o", S.Hole(), S.BoolLit(True))), "count(o in (??): true)"),
    (
        _fn(S.The("o", S.Name("objects"), S.Hole(), S.IntLit(1), S.IntLit(2))),
        "the(o in objects where (??): 1 else 2)",
    ),
    (
        _fn(S.Match(S.If(S.Name("c"), S.Name("a"), S.Hole()), (S.Case(None, S.IntLit(1)),))),
        "match (if c then a else ??) {",
    ),
    (_fn(S.Quant("any", "o", S.Not(S.Hole()), S.Hole())), "any(o in (not ??): ??)"),
]


@pytest.mark.parametrize(
    ("m", "printed"),
    TRAILING_HOLE,
    ids=["match", "match-binary", "quant", "the-cond", "match-if", "quant-not"],
)
def test_trailing_hole_roundtrip(m: S.Module, printed: str) -> None:
    text = pretty(m)
    assert printed in text
    assert parse_module(text) == m


def test_typed_and_choice_holes_stay_bare() -> None:
    """Only a bare `??` needs the parentheses: `??: T` and `??{...}` end unambiguously."""
    m = _fn(
        S.Match(
            S.Hole(S.TypeName("Kind")),
            (S.Case(None, S.Quant("sum", "o", S.Hole(None, (S.Name("objects"),)), S.IntLit(1))),),
        )
    )
    text = pretty(m)
    assert "match ??: Kind {" in text and "sum(o in ??{objects}: 1)" in text
    assert parse_module(text) == m
