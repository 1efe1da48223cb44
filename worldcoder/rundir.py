"""A learning run's directory: everything needed to inspect a run and to resume it.

    config.json        the run's settings (written once)
    transitions.jsonl  every real transition, appended and flushed as it happens
    events.jsonl       typed events (`worldcoder.events`): synthesis calls, plans, counter-examples,
                       correctness checks, episode ends, ...
    models/NNN.wc      every accepted model
    report.json        the summary, derived from the two logs (`worldcoder.stats`; rewritten after
                       each synthesis call and episode)
    *.png              plots

A run killed at any moment (SIGKILL included) loses at most a partly written last line, which
`RunDir.records` drops; nothing is ever rewritten in place except report.json.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunDir:
    path: Path

    def create(self, config: dict[str, Any]) -> None:
        (self.path / "models").mkdir(parents=True, exist_ok=True)
        if (self.path / "config.json").exists():
            raise FileExistsError(
                f"{self.path} already holds a run; use --resume {self.path} to continue it"
            )
        self._write_atomic(self.path / "config.json", json.dumps(config, indent=2) + "\n")

    def config(self) -> dict[str, Any]:
        path = self.path / "config.json"
        if not path.exists():
            raise FileNotFoundError(f"{self.path} holds no run (no config.json)")
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    # -- append-only logs

    def append(self, name: str, record: dict[str, Any]) -> None:
        with (self.path / name).open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def records(self, name: str) -> list[dict[str, Any]]:
        """Every complete line of a log; a torn last line (from a kill mid-write) is cut off."""
        path = self.path / name
        if not path.exists():
            return []
        raw = path.read_bytes()
        complete, _, tail = raw.rpartition(b"\n")
        out: list[dict[str, Any]] = []
        for lineno, line in enumerate(complete.split(b"\n") if complete else [], start=1):
            try:
                out.append(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                raise ValueError(f"{path}:{lineno}: corrupt line in a run log") from None
        if tail:  # a line torn by a kill mid-write: cut it so appends start on a fresh line
            with path.open("r+b") as f:
                f.truncate(len(complete) + 1 if complete else 0)
        return out

    # -- models and report

    def save_model(self, text: str) -> Path:
        existing = sorted((self.path / "models").glob("*.wc"))
        target = self.path / "models" / f"{len(existing):03d}.wc"
        self._write_atomic(target, text)
        return target

    def latest_model(self) -> Path | None:
        existing = sorted((self.path / "models").glob("*.wc"))
        return existing[-1] if existing else None

    def write_report(self, report: dict[str, Any]) -> None:
        self._write_atomic(self.path / "report.json", json.dumps(report, indent=2) + "\n")

    @staticmethod
    def _write_atomic(path: Path, text: str) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
