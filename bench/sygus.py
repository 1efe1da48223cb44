"""SyGuS: cvc5's SyGuS solver and the project's enumerator on the same per-field problems.

One job per family (DoorKey-5x5, Unlock, Sokoban, Taxi). It collects the family's fixed
random-policy dataset (`bench.synth_bench.records`, the synthesis bench's data), poses every
per-field problem the enumerative learner solves on it (`synth.sygus.sygus_problems`: agent and
object fields that change, reward, done; at most `examples` examples each) and hands each to

- cvc5 (PyPI `cvc5`, the `bench` extra): the problem's SyGuS-IF 2.1 text, `--sygus`,
  `--sygus-unif-pi=complete` (decision-tree unification), a time limit per problem, in a child
  process;
- the enumerator: `synth.synthesize` (offline proposer) on the transitions the problem's examples
  come from, with the same time budget; its rule for the field is checked on the examples.

Recorded per problem and solver: solved (a rule meeting every example), seconds, `all_rows`
(whether the rule also meets every distinct row of the data the examples were sampled from:
cvc5's answer checked by cvc5 in SMT mode with `synth.sygus.check_text`, the enumerator's by the
interpreter), and the solution's size (SMT-LIB atoms; an enumerator rule that reads a helper outside the exported
fragment, such as `blocked(x, y)`, has its DSL size instead). The enumerator's seconds are those
of the whole synthesis call (it learns every field at once). The summary writes every problem as
`out_dir/sygus[-quick]/FAMILY/NAME.sl` (regenerated from the same data; each job records the
SHA-256 of its texts and the summary checks them).

    worldcoder-bench --only sygus [--quick]

Writes bench/results/sygus.json (sygus-quick.json) and the .sl files.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.suite import ROOT, Job

NAME = "sygus"
FAMILIES = ("DoorKey-5x5", "Unlock", "Sokoban", "Taxi")
DATA_SEED = 0
QUICK = {"transitions": 100, "examples": 20, "seconds": 5.0}
FULL = {"transitions": 300, "examples": 50, "seconds": 30.0}
CVC5_OPTIONS = ("sygus", "sygus-unif-pi=complete")


def jobs(quick: bool) -> list[Job]:
    params = QUICK if quick else FULL
    return [Job(NAME, family, {"family": family, "seed": DATA_SEED, **params})
            for family in FAMILIES]  # fmt: skip


def problems(params: dict[str, Any], workdir: Path) -> tuple[Path, list[Any], list[Any]]:
    """The family's prior file, its transitions and its problems."""
    from bench.synth_bench import FAMILIES as SYNTH_FAMILIES
    from bench.synth_bench import extra_level_file, records
    from dsl.check import check_file
    from dsl.values import transition_from_json
    from synth.sygus import sygus_problems
    from worldcoder.domains import DEFAULT_PRIOR, env_domain

    env = SYNTH_FAMILIES[params["family"]][0]
    prior = env_domain(env).prior_of(DEFAULT_PRIOR)  # what `learn` starts from
    program = check_file(prior)
    recs = records(params["family"], params["transitions"], params["seed"],
                   extra_level_file(workdir))  # fmt: skip
    data = [transition_from_json(program.schema, r, f"step {i}") for i, r in enumerate(recs)]
    return prior, data, sygus_problems(program, data, max_examples=params["examples"])


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    from dsl.check import check_file
    from synth.sygus import sygus_problems, sygus_text

    with tempfile.TemporaryDirectory() as tmp:
        prior, data, found = problems(params, Path(tmp))
        every = {p.name: p for p in sygus_problems(check_file(prior), data, max_examples=10**6)}
        rows = []
        for p in found:
            text = sygus_text(p)
            path = Path(tmp) / f"{p.name}.sl"
            path.write_text(text)
            cvc5, enum = (
                run_cvc5(path, params["seconds"]),
                run_enum(prior, data, p, every[p.name], params["seconds"]),
            )
            cvc5["all_rows"] = _generalizes(every[p.name], cvc5.get("solution"))
            enum["all_rows"] = enum.pop("rows", None) if enum.get("solved") else None
            rows.append({
                "problem": p.name, "kind": p.kind, "examples": len(p.examples),
                "distinct_rows": p.rows_seen, "conflicts": p.conflicts, "inputs": len(p.features),
                "left_out_helpers": list(p.left_out),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "rows": len(every[p.name].examples), "cvc5": cvc5, "enum": enum,
            })  # fmt: skip
    return {"transitions": len(data), "problems": rows}


# ----------------------------------------------------------------------------- cvc5


def run_cvc5(path: Path, seconds: float) -> dict[str, Any]:
    """cvc5's answer to one .sl file in a child process (killed 10 s after its time limit)."""
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.sygus", str(path), str(int(seconds * 1000))],
            capture_output=True, text=True, timeout=seconds + 10, cwd=ROOT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"solved": False, "status": "killed", "seconds": round(time.perf_counter() - t0, 3)}
    elapsed = round(time.perf_counter() - t0, 3)
    out = done.stdout.strip()
    body = solution_body(out)
    if body is None:
        status = "fail" if out.endswith("fail") else (done.stderr.strip()[-300:] or out[-300:])
        return {"solved": False, "status": status, "seconds": elapsed}
    return {"solved": True, "seconds": elapsed, "size": atoms(body), "solution": body}


def solve_file(path: str, milliseconds: int) -> str:
    """cvc5's output for a SyGuS-IF file (in this process)."""
    import cvc5

    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    for option in CVC5_OPTIONS:
        name, _, value = option.partition("=")
        solver.setOption(name, value or "true")
    solver.setOption("tlimit-per", str(milliseconds))
    symbols = cvc5.SymbolManager(tm)
    parser = cvc5.InputParser(solver, symbols)
    parser.setFileInput(cvc5.InputLanguage.SYGUS_2_1, path)
    out = []
    while not (cmd := parser.nextCommand()).isNull():
        out.append(cmd.invoke(solver, symbols).strip())
    return "\n".join(o for o in out if o)


def solution_body(output: str) -> str | None:
    """The body of the `define-fun` cvc5 printed, or None."""
    start = output.find("(define-fun")
    if start < 0:
        return None
    depth, end = 0, len(output)
    for end in range(start, len(output)):
        depth += {"(": 1, ")": -1}.get(output[end], 0)
        if depth == 0:
            break
    found = re.match(r"\(define-fun\s+\S+\s+\((?:[^()]|\([^()]*\))*\)\s+\S+\s+(.*)\)$",
                     output[start : end + 1], re.S)  # fmt: skip
    return found.group(1).strip() if found else None


def atoms(term: str) -> int:
    """The size of an SMT-LIB term: its symbols and constants (`(- 1)` counts 2)."""
    return len(re.findall(r"[^\s()]+", term))


# ----------------------------------------------------------------------------- the enumerator


def run_enum(prior: Path, data: list[Any], p: Any, full: Any, seconds: float) -> dict[str, Any]:
    """`synth.synthesize` on the transitions of the problem's examples; its rule for the field
    checked on every example, and on every row of `full` (the problem with all its rows)."""
    from dsl.simplify import size
    from synth import Budget, Spec, synthesize
    from synth.sygus import Opaque, term_of
    from worldcoder.api import WorldCoderError, model_from_text

    subset = sorted({k for k, _ in p.rows})
    spec = Spec(tuple((i + 1, data[k]) for i, k in enumerate(subset)), (prior,),
                budget=Budget(seconds=seconds))  # fmt: skip
    t0 = time.perf_counter()
    result = synthesize(spec, "enum")
    elapsed = round(time.perf_counter() - t0, 3)
    try:
        learned = model_from_text(f"import {prior.stem}\n\n{result.text}").program
    except WorldCoderError as err:
        return {"solved": False, "status": str(err), "seconds": elapsed}
    rule = _rule(learned, p)
    hits = _hits(learned, rule, p, data)
    out: dict[str, Any] = {"solved": hits == len(p.examples), "seconds": elapsed,
                           "examples_met": hits, "transitions": len(subset)}  # fmt: skip
    if out["solved"]:
        out["rows"] = _hits(learned, rule, full, data) == len(full.examples)
    try:
        out["size"] = atoms(term_of(p, rule))
        out["solution"] = term_of(p, rule)
    except Opaque:
        out["size"], out["outside_fragment"] = size(rule), True
    return out


def _hits(program: Any, rule: Any, p: Any, data: list[Any]) -> int:
    """How many of the problem's examples `rule` (of `program`) meets."""
    from dsl.interp import Context, evaluate

    hits = 0
    for (k, j), (_, want) in zip(p.rows, p.examples, strict=True):
        t = data[k]
        env = {} if j is None else {program.object_var: t.state.objects[j]}
        got = evaluate(rule, Context(program, t.state, t.next_state, t.action, t.mission), env)
        hits += got == want
    return hits


def _generalizes(full: Any, solution: str | None) -> bool | None:
    """Whether cvc5's solution meets every distinct row the export saw (not just the examples
    it was given); None when there is no solution."""
    if solution is None:
        return None
    import cvc5

    from synth.sygus import check_text

    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    symbols = cvc5.SymbolManager(tm)
    parser = cvc5.InputParser(solver, symbols)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, check_text(full, solution), "rows")
    answers = []
    while not (cmd := parser.nextCommand()).isNull():
        answers.append(cmd.invoke(solver, symbols).strip())
    return "unsat" in answers


def _rule(learned: Any, p: Any) -> Any:
    """The learned program's rule for the problem's field (the field itself when it has none)."""
    from dsl import core as C

    schema = learned.schema
    match p.kind:
        case "agent":
            i = schema.agent_index(p.field)
            default = C.GetField(C.AgentOf(C.StateRef("pre")), p.field, i, p.output)
            return dict(learned.agent_updates).get(i, default)
        case "object":
            i = schema.object_index(p.field)
            default = C.GetField(C.Var(learned.object_var, C.OBJ), p.field, i, p.output)
            return dict(learned.object_updates).get(i, default)
        case "reward":
            return learned.reward
        case _:
            return learned.done


# ----------------------------------------------------------------------------- summary


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    """Solved counts, seconds and sizes per family and solver; writes the .sl files."""
    from synth.sygus import sygus_text

    summary: dict[str, Any] = {}
    sl_dir = out_dir / f"sygus{'-quick' if quick else ''}"
    for row in rows:
        result = row["result"]
        if "problems" not in result:
            continue
        family = row["params"]["family"]
        with tempfile.TemporaryDirectory() as tmp:
            _, _, found = problems(row["params"], Path(tmp))
        (sl_dir / family).mkdir(parents=True, exist_ok=True)
        texts = {p.name: sygus_text(p) for p in found}
        for prob in result["problems"]:
            text = texts[prob["problem"]]
            if hashlib.sha256(text.encode()).hexdigest() != prob["sha256"]:
                raise RuntimeError(f"{family}/{prob['problem']}: the regenerated problem differs "
                                   "from the one the job solved")  # fmt: skip
            (sl_dir / family / f"{prob['problem']}.sl").write_text(text)
        summary[family] = {solver: _totals([p[solver] for p in result["problems"]])
                           for solver in ("cvc5", "enum")}  # fmt: skip
        summary[family]["problems"] = len(result["problems"])
    return summary


def _totals(answers: list[dict[str, Any]]) -> dict[str, Any]:
    solved = [a for a in answers if a["solved"]]
    return {
        "solved": len(solved),
        "seconds_total": round(sum(a["seconds"] for a in answers), 2),
        "median_size_solved": sorted(a["size"] for a in solved)[len(solved) // 2] if solved else None,
    }  # fmt: skip


if __name__ == "__main__":
    print(solve_file(sys.argv[1], int(sys.argv[2])))
