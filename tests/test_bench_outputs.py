"""The standalone bench scripts write their results under runs/ unless asked to record them:
trying a script never overwrites the tracked files in bench/results/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ["learn_bench", "solver_bench", "step_speed", "synth_bench", "validate_models"]


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip


def test_a_script_run_writes_under_runs_and_leaves_the_recorded_results(tmp_path: Path) -> None:
    recorded = ROOT / "bench" / "results" / "step_speed.json"
    before = recorded.read_bytes()
    result = _run(tmp_path, str(ROOT / "bench" / "step_speed.py"), "--steps", "20",
                  "--interp-steps", "5", "--envs", "MiniGrid-Empty-5x5-v0")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert recorded.read_bytes() == before
    (out,) = (tmp_path / "runs").iterdir()
    assert out.name.startswith("step_speed-")
    assert f"step_speed: results go to runs/{out.name}" in result.stderr
    rows = json.loads((out / "step_speed.json").read_text())["results"]
    assert [r["env"] for r in rows] == ["MiniGrid-Empty-5x5-v0"]
    assert (out / "step_speed.png").stat().st_size > 0


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_records_only_when_asked(tmp_path: Path, script: str) -> None:
    result = _run(tmp_path, str(ROOT / "bench" / f"{script}.py"), "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "[--out DIR | --record]" in text
    assert f"(default: a new runs/{script}-TIME/)" in text
    assert "--record write the recorded results in bench/results/ (tracked files)" in text
    clash = _run(tmp_path, str(ROOT / "bench" / f"{script}.py"), "--record", "--out", "x")
    assert clash.returncode == 2 and "not allowed with argument" in clash.stderr
    assert not list(tmp_path.iterdir())
