"""Interpreter and both compiled backends (closures, generated code) agree on generated
well-typed models, states and actions."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import core as C
from dsl.check import check_text
from dsl.codegen import TooDeep, generate
from dsl.compile import BACKENDS, Backend, compile_program
from dsl.interp import run_step
from dsl.values import Mission, State
from tests.typed_programs import SCHEMA, actions, expansion_agrees, missions, models, states

DOOR = ("door", "red", 1, 0, False)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.lists(st.tuples(states(), actions(), missions()), min_size=1, max_size=4))
def test_interpreter_and_compiler_agree(backend: Backend, text: str, inputs: list) -> None:  # type: ignore[type-arg]
    program = check_text(text, "generated.wc")
    compiled = compile_program(program, backend)
    for state, action, mission in inputs:
        expected = run_step(program, state, action, mission)
        assert compiled.step(state, action, mission) == expected
        nxt = compiled.next_state(state, action, mission)
        assert nxt == expected.next_state
        assert compiled.outcome(state, action, nxt, mission) == (expected.reward, expected.done)
        expansion_agrees(program, compiled, state, mission)


@settings(max_examples=60, deadline=None)
@given(models(depth=4))
def test_generated_models_type_check(text: str) -> None:
    """The checked program holds exactly what the text defines, with the types it declares."""
    program = check_text(text, "generated.wc")
    assert [f.name for f in program.functions] == re.findall(r"^def (h\d+)", text, re.M)
    agent = [program.schema.agent[i].name for i, _ in program.agent_updates]
    assert agent == re.findall(r"^  agent\.(\w+) :=", text, re.M)
    objects = [program.schema.object[i].name for i, _ in program.object_updates]
    assert objects == re.findall(r"^    o\.(\w+) :=", text, re.M)
    assert program.has_transition and program.object_var == "o" and program.holes == ()
    assert program.reward is not None and program.reward.type == C.INT
    assert program.done is not None and program.done.type == C.BOOL


def test_codegen_hands_code_nested_past_pythons_limits_to_the_closures() -> None:
    """Python compiles at most 20 nested loops; a model nesting 25 quantifiers still runs."""
    nested = "true"
    for i in range(25):
        nested = f"any(o{i} in objects: o{i}.open and {nested})"
    program = check_text(f"{SCHEMA}transition {{ }}\nreward := 0\ndone := {nested}\n", "deep.wc")
    with pytest.raises(TooDeep):
        generate(program, "left")
    model = compile_program(program, "codegen")
    mission = Mission.of("")
    for state in (State((0, 0, 0, "none"), ()), State((0, 0, 0, "none"), (DOOR,)),
                  State((0, 0, 0, "none"), ((*DOOR[:4], True),))):  # fmt: skip
        assert model.step(state, "left", mission) == run_step(program, state, "left", mission)
        expansion_agrees(program, model, state, mission, 1)  # on States, as closures are


def test_helper_values_kept_per_mission_follow_the_mission() -> None:
    """Helpers that read only the mission are kept per mission across steps (codegen): every
    step sees its own mission's values, also past the number of missions kept."""
    text = (f'{SCHEMA}def red() -> bool = has_word("red")\ndef n() -> int = if red() then 2 else 3\n'
            "transition { agent.x := if red() then n() else agent.x }\n"
            "reward := n()\ndone := word(1) == \"x\"\n")  # fmt: skip
    program = check_text(text, "mission.wc")
    model = compile_program(program, "codegen")
    state = State((0, 0, 0, "none"), (DOOR,))
    for k in range(300):
        mission = Mission.of(f"go red {k}" if k % 3 else f"go x {k}")
        for action in ("left", "toggle"):
            assert model.step(state, action, mission) == run_step(program, state, action, mission)
