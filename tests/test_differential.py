"""Interpreter and compiled closures agree on generated well-typed models, states and actions."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.check import check_text
from dsl.compile import compile_program
from dsl.interp import run_step
from tests.typed_programs import actions, missions, models, states


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.lists(st.tuples(states(), actions(), missions()), min_size=1, max_size=4))
def test_interpreter_and_compiler_agree(text: str, inputs: list) -> None:  # type: ignore[type-arg]
    program = check_text(text, "generated.wc")
    compiled = compile_program(program)
    for state, action, mission in inputs:
        assert compiled.step(state, action, mission) == run_step(program, state, action, mission)


@settings(max_examples=60, deadline=None)
@given(models(depth=4))
def test_generated_models_type_check(text: str) -> None:
    program = check_text(text, "generated.wc")
    assert program.reward is not None and program.done is not None
