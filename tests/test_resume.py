"""A run killed (SIGKILL) at any point and resumed with `worldcoder learn --resume` ends as the
uninterrupted run does: the same transitions, the same events and the same report figures; the
typed events of events.jsonl; the closing line and Ctrl-C of `worldcoder learn`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from worldcoder.agent import Agent, LearnConfig
from worldcoder.events import (
    Correctness,
    Counterexample,
    Distinguish,
    Episode,
    EventError,
    LlmCall,
    Plan,
    Synthesis,
    SynthesisStart,
    event_from_json,
    event_to_json,
    read_events,
)
from worldcoder.rundir import RunDir
from worldcoder.stats import stats_from_run

ROOT = Path(__file__).resolve().parents[1]
# Empty-5x5, seed 0 (measured) with 100 random steps first (the defaults before 2026-12-07, kept
# here for the kill points below: in the random phase, right after the first synthesis, ...): 99
# random steps solve episode 0; one synthesis at step 100 gives a model proved correct; 1 random
# and 5 planned steps solve episode 1, then 23 planned episodes of 5 steps each: 220
# transitions, 25 successes in a row.
LEARN = ["learn", "--env", "MiniGrid-Empty-5x5-v0", "--episodes", "30", "--streak", "25",
         "--explore", "random", "--explore-steps", "100"]  # fmt: skip
COUNTS = (
    "total_env_steps", "episodes", "successes", "success_streak", "steps_to_first_success",
    "steps_to_streak", "steps_to_correct_model", "synthesis_calls", "counterexamples",
    "distinguishing_explorations", "exploration_steps", "inherited_transitions",
    "model_accuracy", "heldout_accuracy", "llm_calls", "llm_tokens", "llm_replayed",
)  # fmt: skip
SECONDS = ("synthesis_seconds", "solver_seconds", "correctness_seconds")


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "worldcoder.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def event_shape(run: Path) -> list[tuple[Any, ...]]:
    """Each event without its seconds (they vary from run to run)."""
    out = []
    for e in read_events(RunDir(run)):
        fields = event_to_json(e)
        out.append(tuple((k, v) for k, v in fields.items() if "seconds" not in k))
    return out


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("uninterrupted") / "run"
    done = cli(*LEARN, "--run-dir", str(run))
    assert done.returncode == 0, done.stderr[-2000:]
    return run


def test_the_uninterrupted_run_is_what_the_comparisons_assume(uninterrupted: Path) -> None:
    report = json.loads((uninterrupted / "report.json").read_text())
    assert report["total_env_steps"] == lines(uninterrupted / "transitions.jsonl") == 220
    assert report["synthesis_calls"] == 1 and report["exploration_steps"] == 100
    assert report["episodes"] == 25 and report["success_streak"] == 25


KILL_POINTS: dict[str, Callable[[Path], bool]] = {
    "mid-exploration": lambda run: lines(run / "transitions.jsonl") >= 50,
    "after-the-first-synthesis": lambda run: b'"synthesis"' in _read(run / "events.jsonl"),
    "mid-plan": lambda run: lines(run / "transitions.jsonl") >= 103,
    "later-episodes": lambda run: lines(run / "transitions.jsonl") >= 160,
}


def _read(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_killed_and_resumed_reports_as_the_uninterrupted_run(
    tmp_path: Path, uninterrupted: Path, point: str
) -> None:
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "worldcoder.cli", *LEARN, "--run-dir", str(run)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not KILL_POINTS[point](run) and proc.poll() is None:
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    killed = stats_from_run(RunDir(run), 25)
    assert killed.env_steps < 220

    resumed = cli("learn", "--resume", str(run))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    want = json.loads((uninterrupted / "report.json").read_text())
    got = json.loads((run / "report.json").read_text())
    assert {k: got[k] for k in COUNTS} == {k: want[k] for k in COUNTS}
    assert (run / "transitions.jsonl").read_bytes() == (
        uninterrupted / "transitions.jsonl"
    ).read_bytes()
    assert event_shape(run) == event_shape(uninterrupted)
    # Times are not reset by the kill: every second measured before it is still counted.
    assert got["synthesis_seconds"] >= round(killed.synthesis_seconds, 3)
    assert got["correctness_seconds"] >= round(killed.correctness_seconds, 3)
    assert all(got[k] > 0 for k in SECONDS)


def killed_after(src: Path, dst: Path, n_events: int) -> None:
    """`dst`: the run directory `src` was when its `n_events`-th event had just been written (a
    kill leaves a prefix of each append-only log: the transitions up to that event's step, the
    models saved by then)."""
    events = (src / "events.jsonl").read_text().splitlines(keepends=True)[:n_events]
    last = event_from_json(json.loads(events[-1]), "last")
    steps = last.line if isinstance(last, Counterexample) else last.env_steps
    transitions = (src / "transitions.jsonl").read_text().splitlines(keepends=True)[:steps]
    (dst / "models").mkdir(parents=True)
    shutil.copy(src / "config.json", dst / "config.json")
    (dst / "events.jsonl").write_text("".join(events))
    (dst / "transitions.jsonl").write_text("".join(transitions))
    for e in map(json.loads, events):
        if e["event"] == "synthesis" and e["model"]:
            shutil.copy(src / e["model"], dst / e["model"])


def test_a_run_resumed_after_any_of_its_first_events_ends_as_the_uninterrupted_run(
    tmp_path: Path, uninterrupted: Path
) -> None:
    """Kills between two lines (not reachable by polling): after the synthesis event and before
    its correctness check; after an episode's end and the next episode's plan, before its
    first step; ..."""
    want = json.loads((uninterrupted / "report.json").read_text())
    for n in range(1, 9):
        run = tmp_path / f"after-{n}-events"
        killed_after(uninterrupted, run, n)
        report = Agent(LearnConfig(**RunDir(run).config()), RunDir(run)).learn()
        assert {k: report[k] for k in COUNTS} == {k: want[k] for k in COUNTS}, n
        assert (run / "transitions.jsonl").read_text() == (
            uninterrupted / "transitions.jsonl"
        ).read_text(), n
        assert event_shape(run) == event_shape(uninterrupted), n


def test_resuming_a_finished_run_keeps_its_report(tmp_path: Path, uninterrupted: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(uninterrupted, run)
    before = json.loads((run / "report.json").read_text())
    resumed = cli("learn", "--resume", str(run))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    after = json.loads((run / "report.json").read_text())
    assert {k: after[k] for k in COUNTS + SECONDS} == {k: before[k] for k in COUNTS + SECONDS}
    assert lines(run / "transitions.jsonl") == 220


# ----------------------------------------------------------------------------- typed events


def test_events_round_trip_through_json() -> None:
    events = [
        Episode(3, True, 2, 120, 1.0, None),
        Synthesis(
            100,
            True,
            None,
            0,
            1.5,
            4295,
            None,
            1.0,
            1.0,
            0,
            "models/000.wc",
            solver_seconds=0.25,
            proposer="enum",
        ),
        SynthesisStart(100, {"objects": [{"kind": "agent", "x": 1}]}, "get to the green goal"),
        LlmCall(100, "retry", 0, 0.5, "HTTP 429"),
        Plan(100, 2, 0.01, ("forward", "left")),
        Plan(101, None, 0.5),
        Distinguish(101, 3, 4, 0.2, ("pickup", "toggle", "forward", "drop")),
        Correctness(100, "equivalent", 1.25),
    ]
    for event in events:
        text = json.dumps(event_to_json(event))
        assert event_from_json(json.loads(text), "x") == event


def test_an_older_run_directory_still_reads() -> None:
    """A plan event written before plan events had seconds and actions."""
    assert event_from_json({"event": "plan", "env_steps": 100, "length": 5}, "x") == Plan(100, 5)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"event": "episode", "episode": 0}', "events.jsonl:2: episode event: missing key 'success'"),
        ('{"event": "landed"}', "events.jsonl:2: unknown event 'landed'"),
        ('{"env_steps": 3}', "events.jsonl:2: unknown event None"),
        ('[1, 2]', "events.jsonl:2: expected a JSON object"),
        ('{"event": "plan", "env_steps": "7", "length": 5}', "events.jsonl:2: plan event: env_steps: expected int, found \"7\""),
        ('{"event": "plan", "env_steps": 7, "length": true}', "events.jsonl:2: plan event: length: expected int | null, found true"),
        ('{"event": "plan", "env_steps": 7, "length": 5, "actions": [1]}', "events.jsonl:2: plan event: actions[0]: expected str, found 1"),
        ('{"event": "plan", "env_steps": 7, "length": 5, "lenght": 5}', "events.jsonl:2: plan event: unknown key 'lenght'"),
    ],
)  # fmt: skip
def test_a_bad_event_line_is_a_located_error(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "events.jsonl").write_text('{"event": "explore", "env_steps": 0, "until": 100, '
                                           f'"how": "random"}}\n{line}\n')  # fmt: skip
    with pytest.raises(EventError) as err:
        read_events(RunDir(tmp_path))
    assert str(err.value).startswith(f"{tmp_path / message}")


# ----------------------------------------------------------------------------- the command line


def ctrl_c_on() -> None:
    """In a child before it runs: SIGINT's default disposition, so that Python makes it a
    KeyboardInterrupt (a shell's background job, such as a test run started with `&`, hands its
    children SIGINT ignored, and Python then keeps it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(args: list[str], log: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI and send it SIGINT (Ctrl-C) once `log` has 20 lines."""
    proc = subprocess.Popen([sys.executable, "-m", "worldcoder.cli", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_on)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and lines(log) < 20 and proc.poll() is None:
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_ctrl_c_says_how_to_continue_and_the_run_continues(
    tmp_path: Path, uninterrupted: Path
) -> None:
    run = tmp_path / "run"
    stopped = interrupt([*LEARN, "--run-dir", str(run)], run / "transitions.jsonl")
    assert stopped.returncode == 130, stopped.stderr[-2000:]
    last = stopped.stderr.strip().splitlines()[-1]
    assert last == f"interrupted; continue with: worldcoder learn --resume {run}"
    assert "Traceback" not in stopped.stderr
    resumed = cli("learn", "--resume", str(run))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (run / "transitions.jsonl").read_bytes() == (
        uninterrupted / "transitions.jsonl"
    ).read_bytes()


def test_ctrl_c_in_a_curriculum_says_how_to_continue(tmp_path: Path) -> None:
    root = tmp_path / "cur"
    args = ["curriculum", "--envs", "MiniGrid-Empty-5x5-v0", "--episodes", "30", "--streak", "25",
            "--run-dir", str(root)]  # fmt: skip
    stopped = interrupt(args, root / "00-MiniGrid-Empty-5x5-v0" / "transitions.jsonl")
    assert stopped.returncode == 130, stopped.stderr[-2000:]
    last = stopped.stderr.strip().splitlines()[-1]
    assert last == f"interrupted; continue with: worldcoder curriculum --resume {root}"


def test_the_closing_line_says_what_has_not_happened_yet_in_words(tmp_path: Path) -> None:
    """A run cut after 20 random steps: no success, no model; no Python `None` in the text."""
    args = ["learn", "--env", "MiniGrid-Empty-5x5-v0", "--max-env-steps", "20",
            "--explore-steps", "1000", "--run-dir", str(tmp_path / "run")]  # fmt: skip
    done = cli(*args)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "None" not in done.stdout
    assert (
        "0/0 episodes solved (streak 0), 20 env steps, no success yet, no correct model proved"
        in done.stdout
    )
    unchecked = cli(*args[:-2], "--no-correctness", "--run-dir", str(tmp_path / "run2"))
    assert "no success yet, correctness not checked" in unchecked.stdout
