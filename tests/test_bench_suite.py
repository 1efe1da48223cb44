"""The benchmark runner (`bench.suite`, `worldcoder-bench`): results files, resume after an
interruption, failed jobs, bad names, and running the jobs on a local Ray instance."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main
from bench.suite import (
    BENCHES,
    ROOT,
    Job,
    Progress,
    code_version,
    execute,
    load_bench,
    run_suite,
)


def _doc(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _check_throughput(doc: dict[str, Any]) -> None:
    assert doc["bench"] == "throughput" and doc["quick"] and doc["jobs_failed"] == 0
    assert {row["key"] for row in doc["jobs"]} == {"MiniGrid-DoorKey-5x5-v0", "Taxi-v4"}
    for row in doc["jobs"]:
        result = row["result"]
        assert result["steps"] == 500 and all(v > 0 for v in result["us_per_step"].values())
        bfs, astar = result["planners"]["bfs"][0], result["planners"]["astar"][0]
        # both are optimal planners in the (correct) reference model: same shortest length
        assert bfs["status"] == astar["status"] == "sat"
        assert bfs["plan_length"] == astar["plan_length"] > 0
        # before (closures, State keys) and after (generated code, flat keys): the same search
        before = result["planners"]["bfs_closures"][0]
        assert [before[k] for k in ("status", "plan_length", "expanded")] == [
            bfs[k] for k in ("status", "plan_length", "expanded")
        ]
        assert {"closures_model", "codegen_model", "expansion"} <= set(result["us_per_step"])
    assert set(doc["summary"]["envs"]) == {"MiniGrid-DoorKey-5x5-v0", "Taxi-v4"}
    for row in doc["summary"]["envs"].values():
        assert set(row["expansions_per_cpu_second"]) == {"bfs", "astar", "mcts", "bfs_closures"}


def test_every_bench_lists_unique_quick_jobs() -> None:
    for name in BENCHES:
        jobs = load_bench(name).jobs(True)
        assert jobs and len({j.key for j in jobs}) == len(jobs)
        assert all(j.bench == name for j in jobs)


def test_quick_run_writes_results_and_a_rerun_resumes(tmp_path: Path) -> None:
    log = io.StringIO()
    out = run_suite(["throughput"], quick=True, workers=2, out_dir=tmp_path, stream=log)
    assert out["throughput"] == tmp_path / "throughput-quick.json"
    first = _doc(out["throughput"])
    _check_throughput(first)
    assert (tmp_path / "throughput-quick.png").stat().st_size > 0
    assert {row["worker"]["pid"] for row in first["jobs"]}.isdisjoint({os.getpid()})
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True,
                          text=True, cwd=ROOT, check=True).stdout.strip()  # fmt: skip
    assert first["code_versions"] == [code_version()] and code_version().startswith(head)
    assert {row["code"] for row in first["jobs"]} == {code_version()}

    # an interrupted run: one job recorded as failed, a half-written last line
    partial = tmp_path / ".partial" / "throughput-quick.jsonl"
    rows = [json.loads(line) for line in partial.read_text().splitlines()]
    taxi = next(r for r in rows if r["key"] == "Taxi-v4")
    taxi["result"] = {"error": "killed"}
    lines = [json.dumps(r) for r in rows if r["key"] != "Taxi-v4"] + [
        json.dumps(taxi),
        '{"key": "Tax',
    ]
    partial.write_text("\n".join(lines))
    log = io.StringIO()
    second = _doc(run_suite(["throughput"], quick=True, out_dir=tmp_path, stream=log)["throughput"])
    assert "resuming: 1 finished jobs" in log.getvalue()
    assert "done throughput/Taxi-v4" in log.getvalue()
    assert "MiniGrid-DoorKey-5x5-v0 (" not in log.getvalue()  # not run again
    _check_throughput(second)
    kept = {r["key"]: r["worker"]["pid"] for r in second["jobs"]}
    assert kept["MiniGrid-DoorKey-5x5-v0"] == next(
        r["worker"]["pid"] for r in first["jobs"] if r["key"] == "MiniGrid-DoorKey-5x5-v0"
    )


def test_a_failing_job_is_recorded_not_raised() -> None:
    result, seconds, worker = execute(
        "throughput", {**load_bench("throughput").jobs(True)[0].params, "env": "MiniGrid-Nope-v0"}
    )
    assert "unknown environment 'MiniGrid-Nope-v0'" in result["error"]
    assert worker["pid"] == os.getpid() and seconds >= 0


def test_cli_rejects_bad_names_and_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "thruput"]) == 2
    assert "unknown bench 'thruput'. Did you mean 'throughput'?" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["--workers", "0"])
    assert exit_.value.code == 2
    assert main(["--list", "--only", "throughput"]) == 0
    assert "throughput" in capsys.readouterr().out


def test_the_bench_command_is_its_own_script_and_python_m_bench() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["worldcoder-bench"] == "bench.cli:main"
    listed = subprocess.run([sys.executable, "-m", "bench", "--list", "--only", "throughput"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[0] == "throughput" and "quick jobs" in listed.stdout
    worldcoder = subprocess.run([sys.executable, "-m", "worldcoder.cli", "bench", "--list"],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert worldcoder.returncode == 2 and "invalid choice: 'bench'" in worldcoder.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_jobs_run_on_a_local_ray_instance(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="needs the ray extra: pip install -e '.[ray]'")
    ray = shutil.which("ray")
    assert ray is not None, "ray is importable but its `ray` command is not on PATH"
    port = _free_port()
    start = [ray, "start", "--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
             "--disable-usage-stats"]  # fmt: skip
    subprocess.run(start, check=True, capture_output=True, timeout=120)
    try:
        doc = _doc(
            run_suite(
                ["throughput"],
                quick=True,
                ray_address=f"127.0.0.1:{port}",
                out_dir=tmp_path,
                stream=io.StringIO(),
            )["throughput"]
        )
        _check_throughput(doc)
        for row in doc["jobs"]:  # each job ran in a Ray worker process, not here
            pid = row["worker"]["pid"]
            assert pid != os.getpid()
            assert row["worker"]["process"].startswith("ray::")
            shipped = Path(row["worker"]["code_root"])  # this checkout's copy, unpacked by Ray
            assert shipped != ROOT and (shipped / "bench" / "suite.py").is_file()
            assert not (shipped / "bench" / "results").exists()
    finally:
        subprocess.run([ray, "stop", "--force"], capture_output=True, timeout=120)


def test_match_runs_only_the_matching_jobs(tmp_path: Path) -> None:
    log = io.StringIO()
    out = run_suite(["throughput"], quick=True, out_dir=tmp_path, match=["Taxi*"], stream=log)
    doc = _doc(out["throughput"])
    rows = {row["key"]: row["result"] for row in doc["jobs"]}
    assert rows["MiniGrid-DoorKey-5x5-v0"] == {"error": "not run"}
    assert rows["Taxi-v4"]["steps"] == 500
    assert doc["jobs_not_run"] == 1 and doc["jobs_failed"] == 0
    assert list(doc["summary"]["envs"]) == ["Taxi-v4"]

    # --report writes the results file from what is recorded, and runs nothing
    out["throughput"].unlink()
    assert main(["--quick", "--only", "throughput", "--report", "--out", str(tmp_path)]) == 0
    again = _doc(out["throughput"])
    assert again["jobs"] == doc["jobs"] and again["jobs_not_run"] == 1
    assert again["command"] == "worldcoder-bench --quick --only throughput --report"
    assert main(["--only", "throughput", "--report", "--fresh"]) == 2


def test_a_log_names_the_running_jobs_after_a_heartbeat_without_a_line() -> None:
    log = io.StringIO()  # not a terminal: one line per event
    progress = Progress(2, log, heartbeat=3600.0)
    job = Job("scaling", "optimistic/MiniGrid-DoorKey-16x16-v0/seed0")
    progress.started(job)
    progress.tick()
    assert log.getvalue().splitlines()[-1].endswith(f"start scaling/{job.key}")
    progress.heartbeat = 0.0
    progress.tick()
    assert log.getvalue().splitlines()[-1].endswith(f"running: scaling/{job.key}")
    progress.finished(job, {"steps": 1}, 2.0)
    lines = len(log.getvalue().splitlines())
    progress.tick()  # nothing runs: nothing to say
    assert len(log.getvalue().splitlines()) == lines
