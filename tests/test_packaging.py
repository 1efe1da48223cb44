"""The project's own promises about itself: the wheel ships grammar.lark, the README and CI agree,
the code is `mypy --strict` and `ruff` clean."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["dsl", "solver", "plan", "synth", "worldcoder"]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    install_and_run, test = readme_commands()
    assert install_and_run.startswith("pip install -e '.[dev]' && worldcoder ")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet -e '.[dev,bench,ray]'" in ci
    assert ci.rstrip().splitlines()[-1] == test


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_dev_install_is_light_and_the_heavy_extras_are_separate() -> None:
    """`[dev]` (the README's first command) pulls neither torch nor stable-baselines3 nor ray, not
    even through a `worldcoder[...]` self-reference; the PPO and Ray benches have extras of their
    own, which CI installs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    heavy = {"torch", "stable-baselines3", "ray"}
    assert not _requirement_names(project["dependencies"]) & heavy
    assert not _requirement_names(extras["dev"]) & (heavy | {"worldcoder"})
    assert {"torch", "stable-baselines3"} <= _requirement_names(extras["bench"])
    assert "ray" in _requirement_names(extras["ray"])


SHARED = re.compile(r"\.\./shared\b|\"shared\"\s*/|/\s*\"shared\"")
"""A path into the `shared` folder beside the checkout, which exists only on developers' machines."""


def test_nothing_reads_outside_the_repository() -> None:
    """No code, test, doc or default reads that folder (bench/results/ holds records of past runs)."""
    files = [ROOT / "README.md", ROOT / "pyproject.toml", ROOT / ".ci" / "run"]
    for folder in ("dsl", "solver", "plan", "synth", "worldcoder", "bench", "models", "tests"):
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md", ".wc")]
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in files if "results" not in p.parts
            for i, line in enumerate(p.read_text().splitlines(), 1) if SHARED.search(line)]  # fmt: skip
    assert hits == []


def test_readme_dsl_example_type_checks() -> None:
    from dsl.check import check_text

    text = (ROOT / "README.md").read_text()
    block = text.split("## The DSL in one screen", 1)[1].split("```", 2)[1]
    program = check_text(block, "README.md")
    assert program.reward is not None and program.done is not None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The project's wheel, built offline from a copy of the tree, and the build's log."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = tmp / "src"
    shutil.copytree(
        ROOT,
        build,
        ignore=shutil.ignore_patterns(".git", "runs", "*.egg-info", "build", ".*cache*"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", str(tmp / "w"), str(build)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return next((tmp / "w").glob("worldcoder-*.whl")), done.stdout + done.stderr


def test_wheel_builds_without_setuptools_warnings(wheel: tuple[Path, str]) -> None:
    _, log = wheel
    warnings = [
        line for line in log.splitlines() if "Warning" in line or "would be ignored" in line
    ]
    assert warnings == []


def test_wheel_ships_the_grammar_models_and_levels(wheel: tuple[Path, str], tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel[0]) as z:
        assert z.read("dsl/grammar.lark") == (ROOT / "grammar.lark").read_bytes()
        for model in (ROOT / "models").glob("*.wc"):
            assert z.read(f"models/{model.name}") == model.read_bytes()
        levels = "worldcoder/envs/levels/boxoban/"
        assert z.read(levels + "LICENSE").startswith(
            b"                                 Apache License"
        )
        assert z.read(levels + "unfiltered-test-000.txt").count(b"\n; ") == 999
        z.extractall(tmp_path / "site")
    probe = "from dsl.parse import grammar_text, parse_module; import dsl; print(dsl.__file__); parse_module('enum K { a }')"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site")},
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.stdout.startswith(str(tmp_path / "site"))


def test_wheel_install_learns_from_anywhere_and_its_models_move(
    wheel: tuple[Path, str], tmp_path: Path
) -> None:
    """`pip install` of the wheel (not editable) into a fresh venv, `worldcoder learn` from an
    unrelated directory: the prior and the reference model come from the installed package, and
    the saved models still check after the run directory is moved."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, timeout=120)  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
         "--force-reinstall", "--no-index", "--quiet", str(wheel[0])],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    work = tmp_path / "elsewhere"
    work.mkdir()

    def run(*args: str, cwd: Path = work, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )

    where = run(str(venv / "bin" / "python"), "-c",
                "import dsl, models, worldcoder; print(dsl.__file__, models.__file__, worldcoder.__file__)")  # fmt: skip
    assert where.returncode == 0, where.stderr
    for file in where.stdout.split():
        assert Path(file).is_relative_to(venv), where.stdout
    learned = run(str(venv / "bin" / "worldcoder"), "learn", "--env", "MiniGrid-Empty-5x5-v0",
                  "--episodes", "3", "--streak", "2", "--max-env-steps", "150", "--run-dir", "run",
                  timeout=120)  # fmt: skip
    assert learned.returncode == 0, learned.stderr
    report = json.loads((work / "run" / "report.json").read_text())
    assert report["steps_to_correct_model"] is not None  # the reference model was found
    moved = shutil.move(work / "run", tmp_path / "moved")
    models = sorted(Path(moved, "models").glob("*.wc"))
    assert models
    for model in models:
        assert model.read_text().startswith("import minigrid_hint\n")
        checked = run(str(venv / "bin" / "worldcoder"), "check", str(model), cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr


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
    "plan": {"dsl", "solver"},
    "synth": {"dsl", "solver", "plan"},
    "worldcoder": {"dsl", "solver", "plan", "synth"},
    "bench": {"dsl", "solver", "plan", "synth", "worldcoder"},
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
