"""The SyGuS-IF export (`synth/sygus.py`) on real environment data: the problems say what the data
say, the files parse in cvc5, and the reference models' rules meet the exported examples (checked
by cvc5 on the exported helpers and datatypes) while a wrong rule does not."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from dsl import core as C
from dsl.check import check_file
from dsl.interp import Context, evaluate
from dsl.values import Transition, transition_from_json
from synth.sygus import SygusProblem, check_text, sygus_problems, sygus_text, term_of
from worldcoder.domains import DEFAULT_PRIOR, env_domain
from worldcoder.envs import collect

NEEDS_CVC5 = "needs cvc5 (in the dev and bench extras: pip install -e '.[bench]')"
ENVS = ("MiniGrid-DoorKey-5x5-v0", "Sokoban", "Taxi-v4")


@cache
def setup(env: str) -> tuple[C.Program, tuple[Transition, ...], tuple[SygusProblem, ...]]:
    program = check_file(env_domain(env).prior_of(DEFAULT_PRIOR))  # what `learn` starts from
    records = list(collect(env, 3, 0, max_steps=60))
    data = tuple(
        transition_from_json(program.schema, r, f"step {i}") for i, r in enumerate(records)
    )
    return program, data, tuple(sygus_problems(program, list(data), max_examples=40))


def by_name(env: str) -> dict[str, SygusProblem]:
    return {p.name: p for p in setup(env)[2]}


@pytest.mark.parametrize("env", ENVS)
def test_problems_are_the_fields_that_change_plus_reward_and_done(env: str) -> None:
    program, data, problems = setup(env)
    schema = program.schema
    agent = {f"next.agent.{f.name}" for i, f in enumerate(schema.agent)
             if any(t.state.agent[i] != t.next_state.agent[i] for t in data)}  # fmt: skip
    objects = {f"next.o.{f.name}" for i, f in enumerate(schema.object)
               if any(a[i] != b[i] for t in data
                      for a, b in zip(t.state.objects, t.next_state.objects, strict=True))}  # fmt: skip
    assert agent  # the agent moves in every one of these environments
    assert [p.name for p in problems] == [*sorted(agent, key=_order(schema)), *sorted(objects, key=_order(schema)), "reward", "done"]  # fmt: skip


def _order(schema: C.Schema) -> object:
    names = [f.name for f in schema.agent] + [f.name for f in schema.object]
    return lambda name: names.index(name.rsplit(".", 1)[1])


@pytest.mark.parametrize("env", ENVS)
def test_every_example_is_its_rows_inputs_and_next_value(env: str) -> None:
    program, data, problems = setup(env)
    for p in problems:
        assert 0 < len(p.examples) <= 40 and len(p.rows) == len(p.examples)
        assert len({inputs for inputs, _ in p.examples}) == len(p.examples)  # no duplicates
        for (k, j), (inputs, out) in zip(p.rows, p.examples, strict=True):
            t = data[k]
            env_ = {} if j is None else {"o": t.state.objects[j]}
            ctx = Context(program, t.state, t.next_state, t.action, t.mission)
            assert inputs == tuple(evaluate(f.expr, ctx, env_) for f in p.features)
            want = {"reward": t.reward, "done": t.done}.get(p.kind)
            if p.kind == "agent":
                want = t.next_state.agent[program.schema.agent_index(p.field)]
            if p.kind == "object":
                assert j is not None
                want = t.next_state.objects[j][program.schema.object_index(p.field)]
            assert out == want, (p.name, k, j)


def test_capped_examples_are_half_changes_half_frame() -> None:
    program, data, _ = setup("MiniGrid-DoorKey-5x5-v0")
    capped = {p.name: p for p in sygus_problems(program, list(data), max_examples=10)}
    turns = sum(t.state.agent[2] != t.next_state.agent[2] for t in data)
    dirs = capped["next.agent.dir"]
    assert turns >= 5 and len(dirs.examples) == 10
    changed = [data[k].state.agent[2] != out for (k, _), (_, out) in zip(dirs.rows, dirs.examples, strict=True)]  # fmt: skip
    assert changed.count(True) == changed.count(False) == 5
    rewards = capped["reward"]  # no reward in this data: every example is a 0
    assert len(rewards.examples) == 10 and {out for _, out in rewards.examples} == {0}


def test_the_file_names_the_inputs_helpers_and_grammar() -> None:
    text = sygus_text(by_name("MiniGrid-DoorKey-5x5-v0")["next.agent.dir"])
    assert "(declare-datatype Action ((Action.left) (Action.right)" in text
    assert "(define-fun turn_left ((d Int)) Int" in text
    assert "(define-fun fx ((agent.x Int) (agent.dir Int)) Int" in text  # implicit inputs appended
    assert "(synth-fun next.agent.dir ((action Action) (agent.x Int)" in text
    assert "(front_blocked Bool)" in text and "(standing_on.pre Kind)" in text  # helper values
    assert "(Start Int (T.Int (ite Guard Start Start)))" in text
    assert "blocked" in text.splitlines()[1]  # a helper with parameters reading the objects
    assert text.count("(constraint ") == 40 and text.rstrip().endswith("(check-synth)")


def _cvc5_answers(text: str, *, sygus: bool) -> list[str]:
    cvc5 = pytest.importorskip("cvc5", reason=NEEDS_CVC5)
    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    if sygus:
        solver.setOption("sygus", "true")
    symbols = cvc5.SymbolManager(tm)
    parser = cvc5.InputParser(solver, symbols)
    parser.setStringInput(
        cvc5.InputLanguage.SYGUS_2_1 if sygus else cvc5.InputLanguage.SMT_LIB_2_6, text, "t"
    )
    answers = []
    while not (cmd := parser.nextCommand()).isNull():
        if "check-synth" in str(cmd):
            answers.append("check-synth")  # parsed; solving is the bench's job
            continue
        answers.append(cmd.invoke(solver, symbols).strip())
    return [a for a in answers if a]


@pytest.mark.parametrize("env", ENVS)
def test_every_file_parses_in_cvc5(env: str) -> None:
    for p in setup(env)[2]:
        assert _cvc5_answers(sygus_text(p), sygus=True) == ["check-synth"], p.name


def _rule(program: C.Program, p: SygusProblem) -> C.Expr:
    if p.kind == "agent":
        return dict(program.agent_updates)[program.schema.agent_index(p.field)]
    assert p.kind == "reward" and program.reward is not None
    return program.reward


@pytest.mark.parametrize(
    ("env", "field"),
    [("MiniGrid-DoorKey-5x5-v0", "next.agent.dir"), ("MiniGrid-DoorKey-5x5-v0", "next.agent.y"),
     ("Taxi-v4", "next.agent.x"), ("Sokoban", "reward")],
)  # fmt: skip
def test_the_reference_rule_meets_the_examples_and_a_wrong_one_does_not(
    env: str, field: str
) -> None:
    reference = check_file(env_domain(env).reference_path)
    p = by_name(env)[field]
    term = term_of(p, _rule(reference, p))
    assert _cvc5_answers(check_text(p, term), sygus=False) == ["unsat"]
    wrong = term.replace("turn_left", "turn_right") if "turn_left" in term else f"(+ {term} 1)"
    assert _cvc5_answers(check_text(p, wrong), sygus=False) == ["sat"]


def test_write_sygus_writes_one_file_per_problem(tmp_path: Path) -> None:
    from worldcoder import write_sygus

    _, data, problems = setup("Taxi-v4")
    paths = write_sygus(list(data), "taxi_hint", tmp_path / "out", max_examples=40)
    assert [p.name for p in paths] == [f"{p.name}.sl" for p in problems]
    assert paths[0].read_text() == sygus_text(problems[0])
