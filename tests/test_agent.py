"""The learning agent end to end: learning from scratch offline, and resuming a killed run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from worldcoder.agent import Agent, LearnConfig
from worldcoder.rundir import RunDir

ROOT = Path(__file__).resolve().parents[1]

# Measured (seed 0, this code): Empty-5x5 reaches 10 successes in a row after 145 env steps: 100
# random exploration steps, one synthesis, then ~5 steps per solved episode. 400 leaves room for a
# slower first success without letting a learner that never plans pass.
EMPTY_STEP_BOUND = 400


def test_learns_empty_from_scratch_to_ten_successes_in_a_row(tmp_path: Path) -> None:
    config = LearnConfig("MiniGrid-Empty-5x5-v0", episodes=30, seed=0)
    run = RunDir(tmp_path / "run")
    run.create({"env": config.env, "episodes": config.episodes, "seed": config.seed})
    report = Agent(config, run).learn()
    assert report["success_streak"] >= 10
    assert report["total_env_steps"] <= EMPTY_STEP_BOUND
    assert report["final_model"] is not None
    saved = json.loads((tmp_path / "run" / "report.json").read_text())
    assert saved["successes"] == report["successes"]
    lines = (tmp_path / "run" / "transitions.jsonl").read_text().splitlines()
    assert len(lines) == report["total_env_steps"]


def test_a_killed_run_resumes_with_the_same_transitions(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "worldcoder.cli", "learn", "--env", "MiniGrid-Empty-5x5-v0",
           "--episodes", "25", "--streak", "25", "--run-dir", str(run_dir)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = run_dir / "transitions.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if log.exists() and log.read_bytes().count(b"\n") >= 150:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = log.read_bytes()
    complete = before[: before.rfind(b"\n") + 1]
    assert complete.count(b"\n") >= 150, "the run ended before it could be killed"
    assert (
        not (run_dir / "report.json").exists()
        or json.loads((run_dir / "report.json").read_text())["episodes"] < 25
    )
    resumed = subprocess.run([sys.executable, "-m", "worldcoder.cli", "learn", "--resume", str(run_dir)],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert resumed.returncode in (0, 1) and "Traceback" not in resumed.stderr, resumed.stderr[
        -2000:
    ]
    after = log.read_bytes()
    assert after.startswith(complete)  # no transition lost or rewritten
    records = [json.loads(x) for x in after.splitlines()]
    keys = [(r["episode"], r["step"]) for r in records]
    assert len(keys) == len(set(keys))  # none duplicated
    report = json.loads((run_dir / "report.json").read_text())
    assert report["total_env_steps"] == len(records)
    # The episode cut by the kill is abandoned (its transitions stay data); every other one ran.
    assert report["episodes"] in (24, 25)
    assert max(r["episode"] for r in records) == 24
