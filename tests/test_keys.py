"""Object keys (`dsl.keys`): found where a condition pins an object's fields, refused where it does
not, and the compiled lookups they drive agree with the interpreter on the cases that could go
wrong (a let that reads the object, an outer quantifier's variable, several disjuncts, `the`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import core as C
from dsl.check import check_file, check_text
from dsl.compile import BACKENDS, Backend, compile_program
from dsl.interp import run_step
from dsl.keys import change_condition, object_keys, update_keys
from dsl.simplify import specialize_program
from dsl.values import Mission, State
from tests.typed_programs import SCHEMA, actions, expansion_agrees, missions, states

MODELS = Path(__file__).resolve().parents[1] / "models"


def _reward_of(expr: str) -> C.Expr:
    program = check_text(f"{SCHEMA}\ntransition {{ }}\nreward := {expr}\ndone := false\n", "k.wc")
    assert program.reward is not None
    return program.reward


def _quant_keys(expr: str) -> tuple[tuple[tuple[int, C.Expr], ...], ...] | None:
    e = _reward_of(expr)
    assert isinstance(e, C.QuantE)
    return object_keys(e.body, e.var, frozenset())


def test_keys_pin_the_fields_a_condition_compares_with_values_free_of_the_object() -> None:
    keys = _quant_keys("count(o in objects: o.x == agent.x and o.y == agent.y + 1 and o.open)")
    assert keys is not None and len(keys) == 1
    assert [i for i, _ in keys[0]] == [2, 3, 4]  # x, y, open
    assert keys[0][2][1] == C.Lit(True, C.BOOL)


def test_no_key_where_the_value_reads_the_object_or_a_disjunct_has_none() -> None:
    assert _quant_keys("count(o in objects: o.x == o.y)") is None
    assert _quant_keys("count(o in objects: let v = o.y in o.x == v)") is None
    assert _quant_keys("count(o in objects: o.x == 1 or o.kind != key)") is None
    both = _quant_keys("count(o in objects: o.x == 1 or not o.open)")
    assert both is not None and [[i for i, _ in k] for k in both] == [[2], [4]]


def test_keys_see_through_lets_that_do_not_read_the_object() -> None:
    keys = _quant_keys("count(o in objects: let v = agent.x + 1 in o.x == v)")
    assert keys is not None
    ((field, value),) = keys[0]
    assert field == 2 and not isinstance(value, C.Var)  # `v` replaced by `agent.x + 1`


def test_the_reference_minigrid_rules_touch_only_keyed_objects() -> None:
    program = check_file(MODELS / "minigrid.wc")
    var = program.object_var
    for action in ("pickup", "toggle", "drop"):
        spec = specialize_program(program, action)
        assert spec.object_updates, action
        for index, update in spec.object_updates:
            change = change_condition(update, var, index)
            assert change is not None, (action, index)
            assert object_keys(change, var, frozenset()), (action, index)


TRICKY = (
    # a let that reads the object: no key may be taken from it
    "count(o in objects: let v = o.y in o.x == v)",
    # an outer quantifier's variable in the inner key
    "count(p in objects: any(o in objects: o.x == p.x and o.kind == key and o.y != p.y))",
    # several disjuncts, and `the` (exactly one match, else the default)
    "the(o in objects where o.x == agent.x or o.y == agent.y: o.x else -5)",
    "the(o in objects where o.open and o.kind == door: o.y else 9)",
    "count(o in objects: o.x == agent.x + 0 or not o.open)",
    "count(o in objects: o.y == agent.y and o.x >= 0 and not o.open and o.kind == door)",
    # a let binding the same name as the outer variable
    "count(p in objects: any(o in objects: let p = o in o.x == p.x))",
    "sum(o in objects: if o.x == agent.x then 1 else 0)",
    # the same loop twice: computed once only where its variables are bound alike
    "(let v = agent.x in count(o in objects: o.x == v)) + (let v = agent.y in count(o in objects: o.x == v))",
    "count(p in objects: count(o in objects: o.x == p.x) == count(q in objects: q.x == p.y))",
)

UPDATES = """
transition {
  for o in objects {
    o.open := if o.x == agent.x and o.y == agent.y then not o.open else o.open
    o.x := if action == pickup and o.kind == key and o.y == agent.y then -1 else o.x
    o.kind := match o.color { red => if o.open then key else o.kind, _ => o.kind }
  }
}
"""


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TRICKY), states(max_objects=6), actions(), missions())
def test_keyed_quantifiers_agree_with_the_interpreter(
    backend: Backend, expr: str, state: State, action: str, mission: Mission
) -> None:
    text = f"{SCHEMA}\ntransition {{ }}\nreward := {_as_int(expr)}\ndone := false\n"
    program = check_text(text, "k.wc")
    model = compile_program(program, backend)
    assert model.step(state, action, mission) == run_step(program, state, action, mission)
    expansion_agrees(program, model, state, mission)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=200, deadline=None)
@given(states(max_objects=6), actions(), missions())
def test_keyed_object_rules_agree_with_the_interpreter(
    backend: Backend, state: State, action: str, mission: Mission
) -> None:
    program = check_text(f"{SCHEMA}\n{UPDATES}\nreward := 0\ndone := false\n", "u.wc")
    model = compile_program(program, backend)
    assert model.step(state, action, mission) == run_step(program, state, action, mission)
    expansion_agrees(program, model, state, mission)


def _as_int(expr: str) -> str:
    return f"(if {expr} then 1 else 0)" if expr.startswith("any") else expr


def test_every_rule_of_the_update_model_is_keyed() -> None:
    program = check_text(f"{SCHEMA}\n{UPDATES}\nreward := 0\ndone := false\n", "u.wc")
    for index, update in program.object_updates:
        change = change_condition(update, program.object_var, index)
        assert change is not None and object_keys(change, program.object_var, frozenset())
    keys = update_keys(program.object_updates, program.object_var)  # rules by field: kind, x, open
    assert keys is not None and [[i for i, _ in k] for k in keys] == [[1, 4], [0, 3], [2, 3]]
    unkeyed = UPDATES.replace("  }\n}", "    o.y := o.y + 1\n  }\n}")
    program = check_text(f"{SCHEMA}\n{unkeyed}\nreward := 0\ndone := false\n", "v.wc")
    assert update_keys(program.object_updates, program.object_var) is None
