"""The LLM's prompt: the DSL reference, the prior, transitions as differences, and failures.

Nothing here is a hand-kept copy of the language: the reference quotes grammar.lark verbatim and
lists the keywords, built-ins and globals the parser and checker define; the prior is the text of
the prior files themselves. A transition is shown as what changed (before -> after) together
with the agent and the objects around it; a failing transition adds, per wrong field, the value
the data expects and the value the current program predicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal, TypedDict

from dsl import core as C
from dsl.check import BUILTINS, GLOBALS, check_modules
from dsl.compile import compile_program
from dsl.errors import DslError, RunError
from dsl.parse import KEYWORDS, grammar_text, read_source
from dsl.values import Outcome, State, Transition
from synth.score import Score, prior_modules
from synth.spec import Spec

TOOL_NAME = "emit_program"

_BUILTIN_HELP = (
    ("min", "min(a, b): the smaller int"),
    ("max", "max(a, b): the larger int"),
    ("abs", "abs(a): absolute value of an int"),
    ("word", 'word(i): the i-th mission word (0-based; "" past the end)'),
    ("has_word", 'has_word("red"): does the mission contain the word'),
    ("lookup", "lookup(Color, w, red): the member of enum Color named by word w, else red"),
    ("find", "find(Color, n, red): the n-th mission word that names a Color member, else red"),
)

_SEMANTICS = """\
- A model is: a `transition { ... }` block, `reward := <int expr>` and `done := <bool expr>`,
  plus any helper `def`s it needs. Helpers are not recursive; a body may call any helper of
  the prior library.
- Updates are simultaneous: every right-hand side reads the state before the action. A field
  with no update keeps its value. `for o in objects { o.f := e }` updates field f of every
  object, e may read `o`.
- `state`/`agent`/`objects` are the state before the action, `action` the action taken;
  `next` (the state after the action) is readable only in `reward` and `done`.
- `//` and `%` need a positive literal divisor. `match` must cover every member or use `_`.
- `the(o in objects where c: v else d)` is v of the one object satisfying c; d when there is
  none or more than one. `count`/`sum` are ints, `any`/`all` bools.
- Enum members are written bare (`wall`) or qualified (`Kind.wall`)."""


_NOT_OPTIMISTIC = (
    "It is also not optimistic: under it, the mission cannot be achieved within {horizon} steps "
    "from the start states. Where the data does not rule it out, the model must let the agent "
    "reach the reward."
)


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


# ----------------------------------------------------------------------------- the reference


def dsl_reference() -> str:
    """The language reference: grammar.lark verbatim plus the names it leaves to the checker."""
    builtins = dict(_BUILTIN_HELP)
    lines = [
        "## The grammar (Lark, the parser's own grammar.lark)",
        "",
        grammar_text().rstrip(),
        "",
        "## Reserved keywords",
        ", ".join(sorted(KEYWORDS)),
        "",
        "## Built-in functions",
        *(f"- {builtins.get(name, name + '(...)')}" for name in BUILTINS),
        "",
        "## Global names",
        ", ".join(GLOBALS),
        "",
        "## Meaning",
        _SEMANTICS,
    ]
    return "\n".join(lines)


def render_prior(spec: Spec) -> str:
    """The prior library's files (schema and helpers), imports first, each under its path."""
    parts = []
    for module in prior_modules(spec):
        text = read_source(Path(module.path)).strip()
        parts.append(f"### {Path(module.path).name}\n{text}")
    return "\n\n".join(parts)


def prior_schema(spec: Spec) -> C.Schema:
    return check_modules(prior_modules(spec)).schema


# ----------------------------------------------------------------------------- values


def show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _record(fields: Sequence[C.Field], values: Sequence[C.Scalar]) -> str:
    return (
        "{" + ", ".join(f"{f.name}: {show(v)}" for f, v in zip(fields, values, strict=True)) + "}"
    )


def _field(fields: Sequence[C.Field], record: Sequence[C.Scalar], name: str) -> C.Scalar | None:
    return next((v for f, v in zip(fields, record, strict=True) if f.name == name), None)


def _label(schema: C.Schema, obj: Sequence[C.Scalar]) -> str:
    parts = [show(v) for n in ("color", "kind") if (v := _field(schema.object, obj, n)) is not None]
    x, y = _field(schema.object, obj, "x"), _field(schema.object, obj, "y")
    if x is not None and y is not None:
        parts.append(f"at ({x}, {y})")
    return " ".join(parts)


def differences(
    schema: C.Schema, before: State, after: State
) -> Iterator[tuple[str, C.Scalar, C.Scalar]]:
    """(field path, before value, after value) for every field that differs."""
    for f, a, b in zip(schema.agent, before.agent, after.agent, strict=True):
        if a != b:
            yield f"agent.{f.name}", a, b
    for i, (oa, ob) in enumerate(zip(before.objects, after.objects, strict=True)):
        for f, a, b in zip(schema.object, oa, ob, strict=True):
            if a != b:
                yield f"objects[{i}].{f.name} ({_label(schema, oa)})", a, b


def _xy(fields: Sequence[C.Field], record: Sequence[C.Scalar]) -> tuple[int, int] | None:
    x, y = _field(fields, record, "x"), _field(fields, record, "y")
    return (x, y) if isinstance(x, int) and isinstance(y, int) else None


def _near(schema: C.Schema, state: State) -> list[int]:
    """Objects within one cell of the agent, or all objects when positions are unknown."""
    agent = _xy(schema.agent, state.agent)
    out = []
    for i, o in enumerate(state.objects):
        pos = _xy(schema.object, o)
        if agent is None or pos is None or max(abs(pos[0] - agent[0]), abs(pos[1] - agent[1])) <= 1:
            out.append(i)
    return out


# ----------------------------------------------------------------------------- transitions


def _header(line: int, t: Transition) -> str:
    return f"line {line}: mission {json.dumps(t.mission.text)}, action {t.action}"


def _context(schema: C.Schema, t: Transition) -> list[str]:
    near = [
        f"    objects[{i}] {_record(schema.object, t.state.objects[i])}"
        for i in _near(schema, t.state)
    ]
    return [
        f"  before: agent {_record(schema.agent, t.state.agent)}",
        "  objects within one cell of the agent:"
        if near
        else "  no objects within one cell of the agent",
        *near,
    ]


def _changes(schema: C.Schema, t: Transition) -> list[str]:
    diffs = [
        f"    {path}: {show(a)} -> {show(b)}"
        for path, a, b in differences(schema, t.state, t.next_state)
    ]
    return ["  changes:", *diffs] if diffs else ["  changes: none"]


def render_transition(schema: C.Schema, line: int, t: Transition) -> str:
    outcome = f"  reward {show(t.reward)}, done {show(t.done)}"
    return "\n".join([_header(line, t), *_context(schema, t), *_changes(schema, t), outcome])


def render_transitions(spec: Spec, lines: Iterable[int], limit: int) -> str:
    """Up to `limit` of the given dataset lines, each as before/after differences."""
    schema = prior_schema(spec)
    data = dict(spec.data)
    chosen = [line for line in lines if line in data][:limit]
    return "\n\n".join(render_transition(schema, line, data[line]) for line in chosen)


def sample_lines(spec: Spec, limit: int) -> list[int]:
    """A varied sample: round robin over (action, reward, done, anything changed) groups."""
    schema = prior_schema(spec)
    groups: dict[tuple[str, float, bool, bool], list[int]] = {}
    for line, t in spec.data:
        changed = next(differences(schema, t.state, t.next_state), None) is not None
        groups.setdefault((t.action, t.reward, t.done, changed), []).append(line)
    out: list[int] = []
    depth = 0
    while len(out) < min(limit, len(spec.data)):
        out.extend(g[depth] for g in groups.values() if depth < len(g))
        depth += 1
    return sorted(out[:limit])


# ----------------------------------------------------------------------------- failures


def _wrong(schema: C.Schema, t: Transition, got: Outcome) -> list[str]:
    lines = [
        f"    {path}: expected {show(want)}, predicted {show(have)}"
        for path, have, want in differences(schema, got.next_state, t.next_state)
    ]
    if float(got.reward) != t.reward:
        lines.append(f"    reward: expected {show(t.reward)}, predicted {show(got.reward)}")
    if got.done != t.done:
        lines.append(f"    done: expected {show(t.done)}, predicted {show(got.done)}")
    return lines


def render_failure(schema: C.Schema, line: int, t: Transition, got: Outcome | str) -> str:
    wrong = (
        [f"    the program cannot run here: {got}"]
        if isinstance(got, str)
        else _wrong(schema, t, got)
    )
    head = [_header(line, t), *_context(schema, t), *_changes(schema, t)]
    outcome = f"  observed reward {show(t.reward)}, done {show(t.done)}"
    return "\n".join([*head, outcome, "  wrong predictions:", *wrong])


def render_failures(spec: Spec, score: Score, limit: int) -> str:
    """Up to `limit` failing lines with, per wrong field, expected vs predicted values."""
    if score.program is None:
        return ""
    schema, model, data = score.program.schema, compile_program(score.program), dict(spec.data)
    out = []
    for line in score.failing[:limit]:
        t = data[line]
        try:
            got: Outcome | str = model.step(t.state, t.action, t.mission)
        except RunError as err:
            got = str(err)
        out.append(render_failure(schema, line, t, got))
    return "\n\n".join(out)


# ----------------------------------------------------------------------------- messages


def system_message(tool: bool) -> str:
    how = (
        f"Answer by calling the tool `{TOOL_NAME}` with the complete program text."
        if tool
        else "Answer with the complete program text only: no explanation, no Markdown fences."
    )
    return (
        "You write world models as programs in the WorldCoder DSL, a small typed language. "
        "A model predicts, for a state, an action and a mission, the next state, the reward and "
        "whether the episode is done. Write one complete program body: a transition block, "
        "reward and done, plus helper definitions if useful. The prior library below is already "
        "in scope; do not import anything and do not redeclare its names. "
        f"{how}\n\n# The WorldCoder DSL\n\n{dsl_reference()}"
    )


def _task(spec: Spec, current_text: str | None, current_score: Score | None) -> list[str]:
    if current_text is None:
        return ["# Task", "Write a program that reproduces every observed transition."]
    parts = ["# The current program", current_text.strip(), ""]
    if current_score is not None and current_score.errors:
        parts += ["It does not check:", *current_score.errors, ""]
    elif current_score is not None:
        parts += [
            f"It explains {current_score.explained} of {current_score.total} transitions.",
            "",
            "# Transitions it gets wrong",
            render_failures(spec, current_score, limit=6),
            "",
        ]
        if current_score.optimistic is False and spec.optimism is not None:
            parts += [_NOT_OPTIMISTIC.format(horizon=spec.optimism.horizon), ""]
    return [*parts, "# Task", "Rewrite the whole program so that it reproduces every transition."]


def build_prompt(
    spec: Spec, current_text: str | None, current_score: Score | None, *, tool: bool = False
) -> list[Message]:
    """System + user message asking for a whole program body (no imports) in the DSL."""
    user = [
        "# The prior library (schema and helpers, already in scope)",
        render_prior(spec),
        "",
        f"# Observed transitions ({len(spec.data)} in all; a sample)",
        render_transitions(spec, sample_lines(spec, 10), 10),
        "",
        *_task(spec, current_text, current_score),
    ]
    return [
        Message(role="system", content=system_message(tool)),
        Message(role="user", content="\n".join(user)),
    ]


def repair_message(errors: DslError | str) -> str:
    return (
        "That program is not valid WorldCoder DSL:\n"
        f"{errors}\n"
        "Fix these errors and give the whole corrected program again (no imports)."
    )
