"""`worldcoder curriculum`: a model learned in one environment is kept, checked against the
earlier data and reused in the next; a curriculum resumes; mixed domains are refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dsl.parse import strip_imports
from worldcoder.agent import Agent, LearnConfig
from worldcoder.cli import main
from worldcoder.curriculum import CurriculumConfig, create, run_curriculum
from worldcoder.rundir import RunDir

STAGES = ("MiniGrid-Empty-5x5-v0", "MiniGrid-Empty-6x6-v0")


def test_a_two_stage_curriculum_advances_and_reuses_the_model(tmp_path: Path) -> None:
    config = CurriculumConfig(STAGES, streak=5, episodes=20)
    root = tmp_path / "curriculum"
    create(root, config)
    report = run_curriculum(config, root)
    assert report["completed"] and [s["env"] for s in report["stages"]] == list(STAGES)
    first, second = report["stages"]
    assert first["success_streak"] >= 5 and second["success_streak"] >= 5
    # Stage 2 starts from stage 1's final model and keeps stage 1's transitions as data.
    assert second["inherited_transitions"] == first["total_env_steps"]
    inherited = root / f"01-{STAGES[1]}" / "models" / "000.wc"
    assert strip_imports(inherited.read_text()) == strip_imports(
        Path(first["final_model"]).read_text()
    )
    # Measured against learning the second environment from scratch: the carried-over model
    # needs no synthesis there, while learning from scratch needs at least one.
    scratch = RunDir(tmp_path / "scratch")
    scratch.create({"env": STAGES[1]})
    alone = Agent(LearnConfig(STAGES[1], episodes=20, streak=5), scratch).learn()
    assert alone["synthesis_calls"] >= 1
    assert second["synthesis_calls"] < alone["synthesis_calls"]
    assert second["total_env_steps"] < alone["total_env_steps"]
    saved = json.loads((root / "report.json").read_text())
    assert saved["stages_completed"] == 2 and len(saved["stages"]) == 2


def test_an_interrupted_curriculum_resumes_without_rerunning_finished_stages(
    tmp_path: Path,
) -> None:
    root = tmp_path / "curriculum"
    args = ["curriculum", "--envs", ",".join(STAGES), "--streak", "3", "--episodes", "20",
            "--run-dir", str(root)]  # fmt: skip
    assert main(args) == 0
    first_log = root / f"00-{STAGES[0]}" / "transitions.jsonl"
    before = first_log.read_bytes()
    # As if killed before the second stage had started.
    shutil.rmtree(root / f"01-{STAGES[1]}")
    assert main(["curriculum", "--resume", str(root)]) == 0
    assert first_log.read_bytes() == before  # the finished stage did not run again
    report = json.loads((root / "report.json").read_text())
    assert report["completed"] and report["stages"][1]["inherited_transitions"] == before.count(
        b"\n"
    )


def test_environments_of_different_domains_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["curriculum", "--envs", "MiniGrid-Empty-5x5-v0,Taxi-v4",
                 "--run-dir", str(tmp_path / "c")])  # fmt: skip
    assert code == 2
    assert "must share one domain" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
