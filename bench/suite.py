"""The benchmark runner behind `worldcoder-bench`.

Owns the registry of bench modules (`BENCHES`), the `Job` record, running jobs in parallel worker
processes or on a Ray cluster, the progress display, resuming an interrupted run, and writing each
bench's results file once all its jobs have finished.

A bench module ``bench/<name>.py`` defines::

    NAME: str
    jobs(quick: bool) -> list[Job]                       # independent units of work
    run_job(params: dict) -> dict                        # in a worker; JSON-able measured figures
    summarize(rows, out_dir: Path, quick: bool) -> dict  # draws out_dir/NAME*.png, returns a summary

Files under ``out_dir`` (default ``bench/results``)::

    NAME.json, NAME-quick.json   {"bench", "command", "commands", "code_versions", "machine",
                                  "quick", "seconds", "summary", "jobs"}; "command" is the run
                                  that wrote the file, "commands" every run that measured one of
                                  its jobs, "code_versions" the commits those jobs ran (each job
                                  row has its "command" and "code")
    .partial/NAME[-quick].jsonl  one line per finished job, appended the moment it finishes

A run stopped half way (Ctrl-C, a killed machine) is resumed by the same command: jobs whose line
is in the partial file with the same parameters are not run again, unless ``fresh`` is set or the
line records an error.
"""

from __future__ import annotations

import difflib
import importlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from fnmatch import fnmatch
from multiprocessing import get_context
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

BENCHES: tuple[str, ...] = (
    "throughput", "sample_efficiency", "taxi", "sokoban", "optimism", "scaling", "curriculum",
    "llm_ceiling", "protocol", "sygus", "new_worlds", "missions",
)  # fmt: skip
"""Bench names in the order `worldcoder-bench` runs them."""
MODULES = {"curriculum": "bench.curriculum_transfer"}
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SHIPPED_EXCLUDES = (".git", ".venv", "venv", "bench/results", "runs", "*.egg-info")
"""What `--ray` leaves out of the copy of this checkout it ships to the cluster (gitignore style;
Ray also skips what .gitignore lists)."""

Row = dict[str, Any]
Outcome = tuple[dict[str, Any], float, dict[str, Any]]
"""A job's result, its seconds, and the worker that ran it (host, process, code root)."""
Done = Callable[["Job", Outcome], None]


@dataclass(frozen=True)
class Job:
    """One independent unit of work of a bench: ``key`` is unique within the bench, ``params`` are
    JSON-able and hold everything ``run_job`` needs."""

    bench: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


class BenchError(Exception):
    """A bad bench name, a bench module that breaks the contract, or an unusable option."""


def load_bench(name: str) -> ModuleType:
    """The bench module called ``name``; a `BenchError` naming the closest bench otherwise."""
    if name not in BENCHES:
        close = difflib.get_close_matches(name, BENCHES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise BenchError(f"unknown bench {name!r}.{hint} Benches: {', '.join(BENCHES)}")
    path = MODULES.get(name, f"bench.{name}")
    try:
        module = importlib.import_module(path)
    except ImportError as err:
        raise BenchError(f"bench {name!r} cannot be loaded ({path}): {err}") from err
    for attr in ("NAME", "jobs", "run_job", "summarize"):
        if not hasattr(module, attr):
            raise BenchError(f"bench module {module.__name__} defines no {attr}")
    return module


def execute(name: str, params: dict[str, Any]) -> Outcome:
    """Run one job (in a worker); an exception becomes ``{"error": ..., "where": ...}``."""
    t0 = time.perf_counter()
    try:
        result: dict[str, Any] = load_bench(name).run_job(params)
    except Exception as err:  # recorded, not raised: one failing job must not stop the suite
        where = traceback.format_exc(limit=-3).strip().splitlines()
        result = {"error": f"{type(err).__name__}: {err}", "where": where[-6:]}
    return result, time.perf_counter() - t0, _worker()


def _worker() -> dict[str, Any]:
    """Where a job ran: host, process id and process title (Ray's workers are titled ``ray::``)."""
    cmdline = Path("/proc/self/cmdline")
    title = (
        cmdline.read_bytes().split(b"\0")[0].decode(errors="replace") if cmdline.exists() else ""
    )
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "process": title or sys.argv[0],
        "code_root": str(ROOT),
    }


# -- the run


@dataclass
class Progress:
    """One status line: jobs done / total, running jobs, elapsed time, the last job finished. On a
    terminal the line's clock ticks; in a log a line naming the running jobs is written after
    `heartbeat` seconds without one, so an hour-long job is not silence."""

    total: int
    stream: TextIO = sys.stderr
    heartbeat: float = 300.0
    done: int = 0
    failed: int = 0
    running: list[str] = field(default_factory=list)
    start: float = field(default_factory=time.monotonic)
    last_line: float = field(default_factory=time.monotonic)

    def started(self, job: Job) -> None:
        self.running.append(f"{job.bench}/{job.key}")
        self.show("" if self.stream.isatty() else f"start {job.bench}/{job.key}")

    def finished(self, job: Job, result: dict[str, Any], seconds: float) -> None:
        name = f"{job.bench}/{job.key}"
        if name in self.running:
            self.running.remove(name)
        self.done += 1
        self.failed += "error" in result
        verdict = f"error: {result['error']}" if "error" in result else f"{seconds:.1f} s"
        self.show(f"done {name} ({verdict})")

    def tick(self) -> None:
        """Called about once a second while jobs run."""
        if self.stream.isatty():
            self.show()
        elif self.running and time.monotonic() - self.last_line >= self.heartbeat:
            self.show(f"running: {', '.join(self.running)}")

    def show(self, event: str = "") -> None:
        elapsed = _clock(time.monotonic() - self.start)
        head = f"[{self.done}/{self.total}] {elapsed}"
        if self.failed:
            head += f" {self.failed} failed"
        running = f" running: {', '.join(self.running)}" if self.running else ""
        if self.stream.isatty():
            self.stream.write(f"\r\033[K{head}{running}"[:200])
            if event:
                self.stream.write(f"\r\033[K{head} {event}\n")
        elif event:
            self.stream.write(f"{head} {event}\n")
            self.last_line = time.monotonic()
        self.stream.flush()


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"


def run_suite(
    names: Sequence[str] = BENCHES,
    *,
    quick: bool = False,
    workers: int = 1,
    ray_address: str | None = None,
    out_dir: Path = RESULTS,
    fresh: bool = False,
    match: Sequence[str] = (),
    command: str = "",
    stream: TextIO = sys.stderr,
    run_jobs: bool = True,
) -> dict[str, Path]:
    """Run every job of the named benches that has no recorded result yet (only those whose key
    matches one of the glob patterns ``match``, when given; none when `run_jobs` is False); write
    each bench's results file, in which jobs not run yet are rows with the error "not run".
    Returns each bench's results file."""
    if workers < 1:
        raise BenchError(f"workers must be at least 1, got {workers}")
    modules = {name: load_bench(name) for name in dict.fromkeys(names)}
    plans = {name: _plan(name, mod, quick) for name, mod in modules.items()}
    records = {name: _Records(out_dir, name, quick, fresh) for name in modules}
    pending = [job for name in modules for job in plans[name] if not records[name].has(job)]
    if match:
        pending = [job for job in pending if any(fnmatch(job.key, p) for p in match)]
    pending = pending if run_jobs else []
    progress = Progress(len(pending), stream)
    t0 = time.perf_counter()

    code = code_version()

    def finished(job: Job, outcome: Outcome) -> None:
        records[job.bench].add(job, outcome, command, code)
        progress.finished(job, outcome[0], outcome[1])

    reused = sum(records[n].has(job) for n in modules for job in plans[n])
    if reused:
        stream.write(f"resuming: {reused} finished jobs recorded under {out_dir / '.partial'}\n")
    if ray_address is not None:
        _run_ray(pending, ray_address, progress, finished)
    else:
        _run_local(pending, workers, progress, finished)
    seconds = time.perf_counter() - t0
    return {
        name: _write(mod, plans[name], records[name], out_dir, quick, command, seconds)
        for name, mod in modules.items()
    }


def _plan(name: str, module: ModuleType, quick: bool) -> list[Job]:
    jobs: list[Job] = module.jobs(quick)
    keys = [job.key for job in jobs]
    if len(set(keys)) != len(keys) or any(job.bench != name for job in jobs):
        raise BenchError(f"bench {name!r}: job keys must be unique and jobs must name the bench")
    return jobs


def _run_local(pending: list[Job], workers: int, progress: Progress, finished: Done) -> None:
    if not pending:
        return
    context = get_context("spawn")  # a clean interpreter per worker: no inherited threads or state
    with ProcessPoolExecutor(min(workers, len(pending)), mp_context=context) as pool:
        queue = list(pending)
        running: dict[Future[Outcome], Job] = {}
        while queue or running:
            while queue and len(running) < workers:
                job = queue.pop(0)
                running[pool.submit(execute, job.bench, job.params)] = job
                progress.started(job)
            done, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
            progress.tick()
            for future in done:
                job = running.pop(future)
                try:
                    outcome = future.result()
                except Exception as err:  # a worker killed by the OS, say
                    outcome = {"error": f"worker failed: {type(err).__name__}: {err}"}, 0.0, {}
                finished(job, outcome)


def _run_ray(pending: list[Job], address: str, progress: Progress, finished: Done) -> None:
    """Each job is a Ray task of one CPU. This checkout's code is shipped to the cluster as the
    job's working directory (Ray's runtime_env), so the workers run the code the driver runs; they
    need the project's dependencies installed (`pip install -e '.[dev]'` on each node)."""
    try:
        import ray
    except ImportError as err:
        raise BenchError("--ray needs the ray package: pip install -e '.[ray]'") from err
    try:
        runtime_env = {"working_dir": str(ROOT), "excludes": list(SHIPPED_EXCLUDES)}
        ray.init(address=address, log_to_driver=False, ignore_reinit_error=True,
                 runtime_env=runtime_env)  # fmt: skip
    except Exception as err:
        raise BenchError(f"cannot connect to the Ray cluster at {address!r}: {err}") from err
    try:
        task = ray.remote(num_cpus=1)(execute)
        refs = {task.remote(job.bench, job.params): job for job in pending}
        for job in pending:
            progress.started(job)
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1, timeout=1.0)
            progress.tick()
            for ref in done:
                job = refs.pop(ref)
                try:
                    outcome = ray.get(ref)
                except Exception as err:
                    outcome = {"error": f"ray task failed: {type(err).__name__}: {err}"}, 0.0, {}
                finished(job, outcome)
    finally:
        ray.shutdown()


# -- results


class _Records:
    """The finished jobs of one bench: the partial JSONL file, read on start and appended to."""

    def __init__(self, out_dir: Path, name: str, quick: bool, fresh: bool) -> None:
        self.path = out_dir / ".partial" / f"{name}{'-quick' if quick else ''}.jsonl"
        self.rows: dict[str, Row] = {}
        if fresh and self.path.exists():
            self.path.unlink()
        for row in _read_jsonl(self.path):
            if "error" not in row["result"]:
                self.rows[row["key"]] = row

    def has(self, job: Job) -> bool:
        row = self.rows.get(job.key)
        return row is not None and row["params"] == job.params

    def add(self, job: Job, outcome: Outcome, command: str, code: str) -> None:
        result, seconds, worker = outcome
        row = {"key": job.key, "params": job.params, "result": result, "seconds": round(seconds, 3),
               "worker": worker, "command": command, "code": code}  # fmt: skip
        self.rows[job.key] = row
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")


def _read_jsonl(path: Path) -> list[Row]:
    """The rows of a partial file; a half-written last line (a killed run) is dropped."""
    if not path.exists():
        return []
    rows: list[Row] = []
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and {"key", "params", "result"} <= row.keys():
            rows.append(row)
    return rows


def _write(
    module: ModuleType,
    jobs: list[Job],
    records: _Records,
    out_dir: Path,
    quick: bool,
    command: str,
    seconds: float,
) -> Path:
    rows = [records.rows[job.key] for job in jobs if records.has(job)]
    rows += [_failed(records, job) for job in jobs if not records.has(job)]
    ran = [row for row in rows if row["result"] != {"error": "not run"}]
    summary: dict[str, Any] = module.summarize(ran, out_dir, quick)
    out = out_dir / f"{module.NAME}{'-quick' if quick else ''}.json"
    doc = {
        "bench": module.NAME, "command": command, "machine": machine(), "quick": quick,
        "commands": list(dict.fromkeys(row["command"] for row in rows if row.get("command"))),
        "code_versions": list(dict.fromkeys(row["code"] for row in rows if row.get("code"))),
        "seconds": round(seconds, 1), "job_seconds": round(sum(r["seconds"] for r in rows), 1),
        "jobs_total": len(jobs),
        "jobs_failed": sum("error" in row["result"] and row["result"]["error"] != "not run"
                           for row in rows),
        "jobs_not_run": sum(row["result"].get("error") == "not run" for row in rows),
        "summary": summary, "jobs": rows,
    }  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    os.replace(tmp, out)
    return out


def _failed(records: _Records, job: Job) -> Row:
    """The last recorded error of a job that has no result."""
    errors = [row for row in _read_jsonl(records.path) if row["key"] == job.key]
    return errors[-1] if errors else {"key": job.key, "params": job.params,
                                      "result": {"error": "not run"}, "seconds": 0.0}  # fmt: skip


CODE = ("dsl", "solver", "plan", "synth", "worldcoder", "models", "bench", "grammar.lark",
        ":(exclude)bench/results")  # fmt: skip
"""The tracked paths whose state decides what a job measures (git pathspecs)."""


def code_version() -> str:
    """The git commit the jobs run (short hash), "+changes" when tracked code differs from it;
    "unknown" outside a git checkout."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", *CODE)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }  # fmt: skip
