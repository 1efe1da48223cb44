"""Located diagnostics: every user-facing error of the language layer is a `DslError`.

A `DslError` holds one or more `Diagnostic`s, each printed as `FILE:LINE:COL: error: message`,
the format editors and CI logs understand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dsl.syntax import Pos


@dataclass(frozen=True, slots=True)
class Diagnostic:
    pos: Pos
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: error: {self.message}"


class DslError(Exception):
    """One or more located errors in DSL text or in data read against a DSL schema."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @classmethod
    def at(cls, pos: Pos, message: str) -> DslError:
        return cls([Diagnostic(pos, message)])


class RunError(Exception):
    """A model could not be run: an unfilled hole, a value outside its schema, a bad state."""
