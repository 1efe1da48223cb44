"""bench/sokoban: its jobs, a planning chunk in the reference model checked in the real env, the
model-versus-env divergence check on a wrong model, a short learning run and its cache, and the
summary and plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import sokoban
from dsl.check import check_file
from dsl.compile import CompiledModel, compile_program
from synth import Spec
from synth.score import check_candidate
from worldcoder.envs.sokoban import parse_levels

ROOT = Path(__file__).resolve().parents[1]
DRAGS_TARGETS = """
transition {
  agent.x := if not wall_ahead() and not box_ahead() then ahead_x(1) else if can_push() then ahead_x(1) else agent.x
  agent.y := if not wall_ahead() and not box_ahead() then ahead_y(1) else if can_push() then ahead_y(1) else agent.y
  for o in objects {
    o.x := if ahead_at(o) and can_push() then beyond_x() else o.x
    o.y := if ahead_at(o) and can_push() then beyond_y() else o.y
  }
}
reward := if solved(next) then 1 else 0
done := solved(next)
"""
"""A model the agent learns on the bundled levels: a target under a pushed box moves with it."""
OVER_A_TARGET = """; over
########
#@$.  .#
#   $  #
########
"""


def reference() -> CompiledModel:
    return compile_program(check_file(ROOT / "models" / "sokoban.wc"))


def drags_targets() -> CompiledModel:
    spec = Spec((), (ROOT / "models" / "sokoban_hint.wc",))
    return compile_program(check_candidate(spec, DRAGS_TARGETS))


@pytest.mark.parametrize("quick", [True, False])
def test_jobs_cover_every_level_once_per_model(quick: bool) -> None:
    jobs = sokoban.jobs(quick)
    assert len({j.key for j in jobs}) == len(jobs)
    json.dumps([j.params for j in jobs])
    count = 10 if quick else 1000
    for model in sokoban.MODELS:
        chunks = [j.params for j in jobs if j.params.get("model") == model]
        covered = [i for p in chunks for i in range(p["first"], p["last"])]
        assert sorted(covered) == list(range(count))
    learned = [j.params["learn"] for j in jobs if j.params.get("model") == "learned"]
    seed0 = next(j.params for j in jobs if j.key == "learn/seed0")
    assert all(p == {k: seed0[k] for k in p} for p in learned)


def test_reference_chunk_solves_its_levels_in_the_real_env() -> None:
    params = next(j.params for j in sokoban.jobs(True) if j.params.get("model") == "reference")
    result = sokoban.run_job(params | {"first": 0, "last": 3})
    assert [lv["level"] for lv in result["levels"]] == [0, 1, 2]
    for level in result["levels"]:
        assert level["status"] == "sat" and level["solved"] and level["diverges_at"] is None
        assert level["actions"] > 0 and level["expanded"] > 0 and level["boxes"] == 4


def test_execute_finds_where_a_wrong_model_leaves_the_real_env() -> None:
    level = parse_levels(OVER_A_TARGET)[0]
    assert sokoban.execute(reference(), level, ("right", "right")) == (False, None)
    assert sokoban.execute(drags_targets(), level, ("right", "right")) == (False, 2)
    assert sokoban.execute(reference(), level, ("right",) * 4) == (False, None)


def test_learning_run_and_its_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sokoban, "CACHE", tmp_path)
    params = {"seed": 0, "episodes": 2, "cap_seconds": 120}
    first = sokoban.run_job({"kind": "learn", **params})
    assert "error" not in first, first
    assert first["episodes"] == 2 and first["total_env_steps"] > 0 and not first["cached"]
    if first["model"] is not None:
        check_candidate(Spec((), (ROOT / "models" / "sokoban_hint.wc",)), first["model"])
    again = sokoban.learned_model(params)
    assert again["cached"] and again["model_sha256"] == first["model_sha256"]
    assert len(list(tmp_path.glob("*.json"))) == 1


def _plan_row(model: str, first: int, levels: list[dict[str, Any]]) -> dict[str, Any]:
    params = {"kind": "plan", "model": model, "first": first, "last": first + len(levels)}
    return {"key": f"plan/{model}/{first}", "params": params, "seconds": 1.0,
            "result": {"model_sha256": model, "levels": levels}}  # fmt: skip


def _level(index: int, status: str, solved: bool, seconds: float, expanded: int) -> dict[str, Any]:
    return {"level": index, "status": status, "solved": solved, "seconds": seconds,
            "expanded": expanded, "actions": 9 if status == "sat" else 0,
            "diverges_at": 3 if status == "sat" and not solved else None, "boxes": 4}  # fmt: skip


def test_summary_counts_and_plot(tmp_path: Path) -> None:
    rows = [
        _plan_row("reference", 0, [_level(0, "sat", True, 0.1, 10), _level(1, "sat", True, 0.3, 30)]),
        _plan_row("learned", 0, [_level(0, "sat", True, 0.2, 20), _level(1, "sat", False, 0.4, 40)]),
        _plan_row("learned", 2, [_level(2, "unknown", False, 5.0, 900)]),
        {"key": "plan/learned/3", "params": {"kind": "plan", "model": "learned", "first": 3,
                                              "last": 5}, "result": {"error": "boom"}, "seconds": 0},
        {"key": "learn/seed0", "params": {"kind": "learn", "seed": 0}, "seconds": 9.0,
         "result": {"steps_to_correct_model": None, "model_sha256": "learned"}},
    ]  # fmt: skip
    summary = sokoban.summarize(rows, tmp_path, quick=True)
    learned, ref = summary["learned"], summary["reference"]
    assert (learned["levels"], learned["planned"], learned["solved"]) == (5, 3, 1)
    assert (learned["model_plan_fails_in_env"], learned["budget_out"]) == (1, 1)
    assert learned["seconds_all"] == {"median": 0.4, "max": 5.0}
    assert learned["expanded_solved"] == {"median": 20, "max": 20}
    assert learned["errors"] == {"plan/learned/3": "boom"}
    assert (ref["solved"], ref["seconds_solved"]) == (2, {"median": 0.2, "max": 0.3})
    assert summary["learn"]["median_steps_to_correct_model"] == "not correct"
    assert summary["learned_model_is_seed0_model"]
    assert (tmp_path / "sokoban-quick.png").stat().st_size > 0
