"""The project's own promises about itself: the wheel ships grammar.lark, the README and CI agree,
the code is `mypy --strict` and `ruff` clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["dsl", "solver", "synth", "worldcoder"]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    install_and_run, test = readme_commands()
    assert install_and_run.startswith("pip install -e '.[dev]' && worldcoder ")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet -e '.[dev]'" in ci
    assert ci.rstrip().splitlines()[-1] == test


def test_readme_dsl_example_type_checks() -> None:
    from dsl.check import check_text

    text = (ROOT / "README.md").read_text()
    block = text.split("## The DSL in one screen", 1)[1].split("```", 2)[1]
    program = check_text(block, "README.md")
    assert program.reward is not None and program.done is not None


def test_wheel_ships_the_grammar(tmp_path: Path) -> None:
    build = tmp_path / "src"
    shutil.copytree(
        ROOT,
        build,
        ignore=shutil.ignore_patterns(".git", "runs", "*.egg-info", "build", ".*cache*"),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "w"), str(build)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next((tmp_path / "w").glob("worldcoder-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        assert z.read("dsl/grammar.lark") == (ROOT / "grammar.lark").read_bytes()
        z.extractall(tmp_path / "site")
    probe = "from dsl.parse import grammar_text, parse_module; import dsl; print(dsl.__file__); parse_module('enum K { a }')"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site")},
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.stdout.startswith(str(tmp_path / "site"))


@pytest.mark.parametrize("tool", ["mypy", "ruff"])
def test_static_checks_are_clean(tool: str) -> None:
    cmd = [sys.executable, "-m", "mypy", "--strict", *PACKAGES] if tool == "mypy" else [
        sys.executable, "-m", "ruff", "check", *PACKAGES, "tests", "bench",
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


ALLOWED = {
    "dsl": set(),
    "solver": {"dsl"},
    "synth": {"dsl", "solver"},
    "worldcoder": {"dsl", "solver", "synth"},
    "bench": {"dsl", "solver", "synth", "worldcoder"},
}
"""What each of the project's packages may import: dsl <- solver <- synth <- worldcoder <- bench."""


def _imports(path: Path) -> list[str]:
    """Every absolute module a file imports, at module level or inside a function."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in ALLOWED and top != package:
                assert top in ALLOWED[package], f"{path.relative_to(ROOT)} imports {name}"


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f() -> None:\n    from bench.cli import main\n")
    assert "bench.cli" in _imports(probe)


def test_bench_modules_import_each_other_without_a_cycle() -> None:
    modules = {p.stem for p in (ROOT / "bench").glob("*.py")}
    graph = {
        m: {n.split(".")[1] for n in _imports(ROOT / "bench" / f"{m}.py")
            if n.startswith("bench.") and n.split(".")[1] in modules}
        for m in modules
    }  # fmt: skip
    done: set[str] = set()

    def visit(m: str, path: tuple[str, ...]) -> None:
        assert m not in path, f"import cycle: {' -> '.join((*path, m))}"
        if m not in done:
            for n in sorted(graph[m]):
                visit(n, (*path, m))
            done.add(m)

    for m in sorted(modules):
        visit(m, ())
