"""docs/api.md cannot drift: its ```python blocks run, in order, in one namespace in a temp dir."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_page_has_examples() -> None:
    assert len(blocks()) >= 6


def test_every_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "api_doc"}
    for i, code in enumerate(blocks(), start=1):
        try:
            exec(compile(code, f"{DOC.name} block {i}", "exec"), namespace)
        except Exception as err:
            raise AssertionError(f"{DOC.name} block {i} failed: {err!r}\n{code}") from err
    assert os.listdir(tmp_path)  # the examples wrote their run and SyGuS files here
