"""Learning by acting with the LLM proposer (the paper's loop), end to end.

Every test talks to a real HTTP server on 127.0.0.1 (`bench.llm_server`) through the real
`openai` client: scripted failures, off-grammar text, then programs. What is checked: the run
reaches its streak, the report and events count the calls, a refuted LLM program is repaired by
the offline proposer field by field, and a run killed during an LLM call resumes without sending
again the requests that were answered.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.llm_server import FakeOpenAI, error, reply, slow
from dsl.check import check_file
from dsl.parse import parse_module
from dsl.pretty import pretty
from dsl.values import Mission, state_from_json, transition_from_json
from synth import Budget, Optimism, Spec, synthesize
from synth.llm import LLMConfig
from synth.repair import refuted_fields, splice
from synth.score import check_candidate, score
from worldcoder.cli import main
from worldcoder.envs import collect, make_env

ROOT = Path(__file__).resolve().parents[1]
PRIOR = ROOT / "models" / "minigrid_hint.wc"
REFERENCE = "\n".join(
    line for line in (ROOT / "models" / "minigrid.wc").read_text().splitlines()
    if not line.startswith("import ")
)  # fmt: skip
OFF_GRAMMAR = "Here is the model:\ntransition { agent.x := agent.x +"
# Right about moving and turning (with a helper of its own), wrong about reward and done.
HALF_RIGHT = """\
def moved() -> bool = action == forward and not front_blocked()

transition {
  agent.x := if moved() then fx() else agent.x
  agent.y := if moved() then fy() else agent.y
  agent.dir :=
    match action { left => turn_left(agent.dir), right => turn_right(agent.dir), _ => agent.dir }
}
reward := 0
done := false
"""


def events(run: Path, kind: str) -> list[dict[str, Any]]:
    lines = (run / "events.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == kind]


def learn_args(run: Path, base_url: str, *extra: str) -> list[str]:
    return ["learn", "--env", "MiniGrid-Empty-5x5-v0", "--llm-model", "scripted",
            "--llm-base-url", base_url, "--run-dir", str(run), "--explore-steps", "0",
            "--episodes", "12", "--no-correctness", "--prior", "hint", *extra]  # fmt: skip


def test_learn_reaches_its_streak_through_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """429, 500 and an off-grammar reply, then the reference program: the run solves 10 in a
    row, and report.json and events.jsonl count every attempt and its tokens."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    script = [error(429, retry_after="0"), error(500, retry_after="0"),
              reply(OFF_GRAMMAR, 50, 5), reply(REFERENCE, 100, 10)]  # fmt: skip
    run = tmp_path / "run"
    with FakeOpenAI(script) as server:
        status = main(learn_args(run, server.base_url))
        sent = server.requests
    assert status == 0
    report = json.loads((run / "report.json").read_text())
    assert report["success_streak"] == 10
    assert report["config"]["proposer"] == "llm"
    assert (
        "api_key" not in json.dumps(report["config"])
        and "test-key" not in (run / "config.json").read_text()
    )
    assert len(sent) == 4 and all(r.path == "/v1/responses" for r in sent)
    assert (report["llm_calls"], report["llm_tokens"], report["llm_replayed"]) == (4, 165, 0)
    calls = events(run, "llm_call")
    assert [c["outcome"] for c in calls] == ["retry", "retry", "reply", "reply"]
    assert [c["detail"] for c in calls[:2]] == ["HTTP 429", "HTTP 500"]
    assert report["llm_seconds"] == pytest.approx(sum(c["seconds"] for c in calls), abs=0.01)
    # the repair turn sent the parse error back with the rejected text
    repair_turn = json.dumps(sent[3].body)
    assert OFF_GRAMMAR.splitlines()[1] in repair_turn and "error" in repair_turn
    synth = events(run, "synthesis")
    assert synth[0]["proposer"] == "llm" and synth[0]["consistent"]


def test_a_refuted_llm_program_is_repaired_field_by_field() -> None:
    """An LLM program right about the agent's moves but wrong about reward: the offline
    proposer replaces exactly reward and done, keeping the LLM's helper and move rules."""
    schema = check_file(PRIOR).schema
    records = collect("MiniGrid-Empty-5x5-v0", 10, 0, max_steps=40)
    data = tuple(
        (i, transition_from_json(schema, r, f"line {i}")) for i, r in enumerate(records, 1)
    )
    assert any(t.reward > 0 for _, t in data), "the data must show a reward to refute `reward := 0`"
    program = check_candidate(Spec((), (PRIOR,)), HALF_RIGHT)
    assert refuted_fields(program, (t for _, t in data)) == {
        ("outcome", "reward"),
        ("outcome", "done"),
    }
    env = make_env("MiniGrid-Empty-5x5-v0")
    state, mission = env.reset(seed=0)
    env.close()
    start = (state_from_json(schema, state, "start"), Mission.of(mission))
    spec = Spec(data, (PRIOR,), Optimism((start,), 30), Budget(seconds=60, llm_calls=2))
    with FakeOpenAI(default=reply(HALF_RIGHT)) as server:
        config = LLMConfig("scripted", "key", server.base_url, max_retries=0)
        result = synthesize(spec, "llm", llm=config)
    assert result.proposer == "llm+enum"
    assert result.consistent and result.optimistic
    assert result.cost.llm_calls == 2
    assert "def moved() -> bool" in result.text and "if moved() then fx()" in result.text
    assert "reward := 0\n" not in result.text
    assert score(spec, result.text).consistent


def test_splice_rebinds_the_donor_loop_variable() -> None:
    base = parse_module(
        "transition {\n  for p in objects { p.x := p.x }\n}\nreward := 1\ndone := false\n"
    )
    donor = parse_module(
        "transition {\n  for o in objects { o.y := o.y }\n}\nreward := 0\ndone := true\n"
    )
    shown = pretty(splice(base, donor, {("object", "y"), ("outcome", "done")}))
    check_candidate(Spec((), (PRIOR,)), shown)  # raises if the splice does not check
    assert "p.y := let o = p in o.y" in shown and "p.x := p.x" in shown
    assert "reward := 1" in shown and "done := true" in shown


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--proposer", "llm"], "no LLM model"),
        (["--proposer", "enum", "--llm-model", "m"], "need --proposer llm"),
        (["--llm-model", "m"], "no API key"),
    ],
)
def test_llm_flags_are_checked_before_acting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    flags: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    run = tmp_path / "run"
    status = main(["learn", "--env", "MiniGrid-Empty-5x5-v0", "--run-dir", str(run), *flags])
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (run / "transitions.jsonl").exists()


def _wait(predicate: Any, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the run"
        time.sleep(0.05)


def test_a_run_killed_during_an_llm_call_resumes_without_repeating_answered_calls(
    tmp_path: Path,
) -> None:
    """Killed (SIGKILL) while waiting for the second request of its first synthesis call: on
    resume the first request is answered from the run's reply log, only the unanswered one is
    sent again, and the run goes on to its streak."""
    run = tmp_path / "run"
    env = {**os.environ, "OPENAI_API_KEY": "k", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "worldcoder.cli"]
    script = [reply(OFF_GRAMMAR, 50, 5), slow(REFERENCE, 60.0)]
    with FakeOpenAI(script, default=reply(REFERENCE, 100, 10)) as server:
        proc = subprocess.Popen([*cmd, *learn_args(run, server.base_url)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            _wait(lambda: len(server.requests) == 2)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        before = server.requests
        assert len((run / "llm_replies.jsonl").read_text().splitlines()) == 1
        resumed = subprocess.run([*cmd, "learn", "--resume", str(run)], env=env,
                                 capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        after = server.requests
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert len(after) == 3, "only the unanswered request is sent again"
    assert after[2].body == before[1].body
    report = json.loads((run / "report.json").read_text())
    assert report["success_streak"] == 10
    assert report["llm_replayed"] == 1
    outcomes = [c["outcome"] for c in events(run, "llm_call")]
    assert outcomes == ["reply", "replayed", "reply"]
    assert len(events(run, "synthesis_start")) == 1 and len(events(run, "synthesis")) == 1


def test_curriculum_takes_the_llm_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two stages with the LLM proposer: one call in all (the second stage keeps the model), and
    the curriculum report adds up the stages' calls and tokens."""
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    root = tmp_path / "cur"
    with FakeOpenAI(default=reply(REFERENCE, 100, 10)) as server:
        status = main(["curriculum", "--envs", "MiniGrid-Empty-5x5-v0,MiniGrid-Empty-6x6-v0",
                       "--llm-model", "m", "--llm-base-url", server.base_url,
                       "--explore-steps", "0", "--episodes", "12", "--run-dir", str(root)])  # fmt: skip
        sent = len(server.requests)
    assert status == 0
    report = json.loads((root / "report.json").read_text())
    assert report["completed"] and sent == 1
    assert (report["llm_calls"], report["llm_tokens"]) == (1, 110)
    assert [s["config"]["proposer"] for s in report["stages"]] == ["llm", "llm"]
