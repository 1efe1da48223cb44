"""The library face (`worldcoder.api`, re-exported by `worldcoder`): what it exports, and that every
failure a caller can cause is a typed `WorldCoderError` with a one-line message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import worldcoder as wc
from worldcoder import api

ROOT = Path(__file__).resolve().parents[1]
GOAL = {"kind": "goal", "color": "green", "x": 2, "y": 1, "open": False, "locked": False,
        "carried": False}  # fmt: skip
STATE = {"agent": {"x": 1, "y": 1, "dir": 0, "carrying": "none"}, "objects": [GOAL]}


def test_the_package_exports_exactly_the_api_and_the_page_names_every_name() -> None:
    assert set(wc.__all__) == set(api.__all__) | {"ModelEnv"}
    assert all(getattr(wc, name) is getattr(api, name) for name in api.__all__)
    page = (ROOT / "docs" / "api.md").read_text()
    missing = [n for n in api.__all__ if not re.search(rf"\b{n}\b", page)]
    assert not missing, f"docs/api.md does not mention {missing}"
    assert "docs/api.md" in (ROOT / "README.md").read_text()


def test_a_reference_model_loads_prints_and_steps() -> None:
    model = wc.load_model(ROOT / "models" / "minigrid.wc")
    assert model.text.startswith('import "minigrid_hint.wc"')
    out = model.step(STATE, "forward", "get to the green goal square")
    assert (out.next_state.agent, out.reward, out.done) == ((2, 1, 0, "none"), 1, True)
    assert model.step(out.next_state, "left").next_state.agent[2] == 3  # a State is taken too


def one_line(err: pytest.ExceptionInfo[wc.WorldCoderError]) -> str:
    text = str(err.value)
    assert text and "\n" not in text and "Traceback" not in text
    return text


def test_model_errors_are_located(tmp_path: Path) -> None:
    with pytest.raises(wc.ModelError) as err:
        wc.load_model(tmp_path / "nope.wc")
    assert "nope.wc" in one_line(err) and "cannot read" in one_line(err)
    with pytest.raises(wc.ModelError) as err:
        wc.model_from_text("import minigrid_prior\nreward := 1 + true\ndone := false\n")
    assert one_line(err).startswith("<text>:2:")
    with pytest.raises(wc.ModelError) as err:
        wc.model_from_text("import no_such_module\n")
    assert "no library module 'no_such_module'" in one_line(err)


def test_running_errors_are_typed() -> None:
    model = wc.model_from_text("import minigrid")
    with pytest.raises(wc.ModelError) as err:
        model.step(STATE, "jump")
    assert "unknown action 'jump'" in one_line(err)
    with pytest.raises(wc.DatasetError) as derr:
        model.step({"agent": {"x": 1}, "objects": []}, "left")
    assert "missing field" in one_line(derr)
    with pytest.raises(wc.ModelError) as err:
        wc.invariant(model, "no_such_helper", wc.Bounds(5, 5, 1))
    assert "no_such_helper" in one_line(err)


def test_solver_questions_answer(tmp_path: Path) -> None:
    model = wc.model_from_text("import minigrid")
    frozen = wc.model_from_text(
        "import minigrid_prior\ntransition { agent.x := agent.x }\nreward := 0\ndone := false\n"
    )
    data = wc.collect(model, "MiniGrid-Empty-5x5-v0", episodes=1, seed=0)
    assert wc.consistent(model, data).status == "sat"
    moved = [i for i, t in enumerate(data, start=1) if t.state != t.next_state]
    answer = wc.consistent(frozen, data)
    assert answer.status == "unsat" and set(answer.failing) <= set(moved) and answer.failing
    same = wc.equivalent(model, wc.load_model(ROOT / "models" / "minigrid.wc"), wc.Bounds(4, 4, 1))
    assert same.status == "equivalent"
    path = tmp_path / "d.jsonl"
    path.write_text('{"state": 1}\n')
    with pytest.raises(wc.DatasetError) as err:
        wc.read_data(model, path)
    assert "d.jsonl:1" in one_line(err)


def test_synthesis_errors_and_an_empty_dataset() -> None:
    with pytest.raises(wc.ModelError) as err:
        wc.synthesize([], prior="no_such_prior")
    assert "no_such_prior" in one_line(err)
    with pytest.raises(wc.ModelError):
        wc.write_sygus([], Path("missing.wc"), "out")


def test_learn_refuses_an_unknown_env_before_creating_the_run(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    with pytest.raises(wc.LearnError) as err:
        wc.learn(wc.LearnConfig("MiniGrid-DoorKye-5x5-v0"), run_dir=run_dir)
    assert "MiniGrid-DoorKey-5x5-v0" in one_line(err)
    assert not run_dir.exists()
    with pytest.raises(wc.LearnError) as err:
        wc.resume(tmp_path)
    assert "holds no run" in one_line(err)


def test_a_sketch_loads_and_the_solver_fills_its_hole() -> None:
    sketch = wc.model_from_text(
        "import minigrid_hint\ntransition {\n"
        "  agent.x := if action == forward and not front_blocked() then fx() else agent.x\n"
        "  agent.y := if action == forward and not front_blocked() then fy() else agent.y\n"
        "  agent.dir := match action { left => (agent.dir + ??: int[0..3]) % 4,"
        " right => turn_right(agent.dir), _ => agent.dir }\n}\n"
        "reward := if standing_on(next) == goal then 1 else 0\ndone := standing_on(next) == goal\n"
    )
    data = wc.collect(sketch, "MiniGrid-Empty-5x5-v0", episodes=1, seed=0)
    answer = wc.consistent(sketch, data)
    assert answer.status == "sat" and list(answer.holes.values()) == ["3"]
    with pytest.raises(wc.ModelError) as err:
        sketch.step(STATE, "left")
    assert "unfilled" in one_line(err)
