"""The Z3 encoding agrees with the interpreter (and so with the compiler) on generated programs.

States and actions are Z3 variables pinned to concrete values by constraints, so every node of
the encoding is evaluated by Z3, not folded in Python. Both int encodings are checked.
"""

from __future__ import annotations

import pytest
import z3
from hypothesis import HealthCheck, given, settings

from dsl import core as C
from dsl.check import check_text
from dsl.interp import run_step
from dsl.values import Mission, State
from solver.encode import Encoder, fresh_state
from solver.theory import Theory
from tests.typed_programs import actions, missions, models, states


def symbolic_step(program: C.Program, theory: Theory, state: State, action: str, mission: Mission):  # type: ignore[no-untyped-def]
    sym, _ = fresh_state(program, theory, "s", len(state.objects))
    assert program.schema.action is not None
    act = theory.var("action", program.schema.action)
    enc = Encoder(program, theory, mission)
    nxt = enc.next_state(sym, act)
    reward, done = enc.outcome(sym, act, nxt)
    solver = z3.Solver(ctx=theory.ctx)
    schema = program.schema
    solver.add(act == theory.lift(action, schema.action))
    for v, x, f in zip(sym.agent, state.agent, schema.agent, strict=True):
        solver.add(theory.lift(v, f.type) == theory.lift(x, f.type))
    for so, o in zip(sym.objects, state.objects, strict=True):
        for v, x, f in zip(so, o, schema.object, strict=True):
            solver.add(theory.lift(v, f.type) == theory.lift(x, f.type))
    assert solver.check() == z3.sat
    model = solver.model()
    agent = tuple(
        theory.value(model, v, f.type) for v, f in zip(nxt.agent, schema.agent, strict=True)
    )
    objects = tuple(
        tuple(theory.value(model, v, f.type) for v, f in zip(o, schema.object, strict=True))
        for o in nxt.objects
    )
    return (
        State(agent, objects),
        theory.value(model, reward, C.INT),
        theory.value(model, done, C.BOOL),
    )


@pytest.mark.parametrize(("ints", "enums"), [("int", "int"), ("bv", "int"), ("int", "datatype")])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=models(), state=states(max_objects=3), action=actions(), mission=missions())
def test_encoding_agrees_with_interpreter(
    ints: str, enums: str, text: str, state: State, action: str, mission: Mission
) -> None:
    program = check_text(text, "generated.wc")
    expected = run_step(program, state, action, mission)
    theory = Theory(ints=ints, enums=enums, width=40)  # type: ignore[arg-type]
    nxt, reward, done = symbolic_step(program, theory, state, action, mission)
    assert (nxt, reward, done) == (expected.next_state, expected.reward, expected.done)
