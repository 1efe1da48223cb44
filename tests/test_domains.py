"""The per-domain table (`worldcoder.domains`) and the model library it names: every file is
shipped and found by name, the well-formedness properties hold on real states, saved models
import the prior by name, and `learn` on Sokoban plays the domain's level set in turn."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from dsl import core as C
from dsl.check import check_file, check_text
from dsl.compile import ExprCompiler
from dsl.errors import DslError
from dsl.parse import library_names, library_path, parse_module
from dsl.pretty import pretty
from dsl.values import state_from_json
from synth import Spec
from synth.score import check_candidate, program_text
from worldcoder.agent import Agent, LearnConfig
from worldcoder.cli import main
from worldcoder.correctness import program_modules, well_formed_properties
from worldcoder.domains import domain, env_domain
from worldcoder.envs import collect, load_levels
from worldcoder.envs.registry import DOMAINS
from worldcoder.envs.sokoban import LEVEL_SETS, level_set_path
from worldcoder.rundir import RunDir
from worldcoder.synth_cli import prior_file

ROOT = Path(__file__).resolve().parents[1]
ENVS = {
    "minigrid": "MiniGrid-DoorKey-5x5-v0",
    "babyai": "BabyAI-KeyInBox-v0",
    "sokoban": "Sokoban",
    "taxi": "Taxi-v4",
}


@pytest.mark.parametrize("name", DOMAINS)
def test_every_domain_names_library_files_that_agree(name: str) -> None:
    facts = domain(name)
    assert env_domain(ENVS[name]) == facts
    for module in (facts.prior, facts.hint, facts.reference, facts.well_formed):
        assert module in library_names()
        assert library_path(module) == ROOT / "models" / f"{module}.wc"
    prior, reference = check_file(facts.prior_path), check_file(facts.reference_path)
    for part in ("agent", "object", "action"):
        assert getattr(prior.schema, part) == getattr(reference.schema, part)
    assert not prior.has_transition
    assert reference.has_transition and reference.reward is not None
    if facts.levels is not None:
        assert facts.levels in LEVEL_SETS


def test_unknown_domain_is_a_clear_error() -> None:
    with pytest.raises(
        ValueError, match="unknown domain 'chess' \\(known: minigrid, babyai, sokoban, taxi\\)"
    ):
        domain("chess")


@pytest.mark.parametrize("name", DOMAINS)
def test_well_formedness_properties_hold_on_real_states(name: str) -> None:
    """Each domain's well-formedness file has properties, and every one holds on real states of
    its environment (they are meant to be facts of the domain, assumed by the correctness check
    only when the states seen satisfy them)."""
    facts = domain(name)
    modules = program_modules(facts.reference_path, facts.well_formed_path)
    properties = well_formed_properties(modules, facts)
    assert len(properties) >= 3 and all(p.endswith("()") for p in properties)
    program = check_file(facts.well_formed_path)
    compiler = ExprCompiler(program)
    checks = {p: compiler.compile(C.CallE(p[:-2], (), C.BOOL)) for p in properties}
    assert program.schema.action is not None
    action = program.schema.action.members[0]
    records = collect(ENVS[name], 3, 7, max_steps=40)
    assert records
    for rec in records:
        state = state_from_json(program.schema, rec["next_state"])
        failing = [p for p, holds in checks.items() if not holds(state, None, action, (), {})]
        assert failing == [], rec["next_state"]


def test_library_import_by_name(tmp_path: Path) -> None:
    """`import NAME` finds models/NAME.wc wherever the importing file is; an unknown name is a
    located error listing the library; the form prints back as written."""
    here = tmp_path / "deep" / "er"
    here.mkdir(parents=True)
    good = here / "m.wc"
    good.write_text("import taxi_prior\n\ndef two() -> int = 2\n")
    program = check_file(good)
    assert program.schema == check_file(library_path("taxi_prior")).schema
    assert pretty(parse_module(good.read_text())) == good.read_text()
    bad = here / "bad.wc"
    bad.write_text("def two() -> int = 2\nimport taxi_priors\n")
    with pytest.raises(DslError) as err:
        check_file(bad)
    assert str(err.value).startswith(f"{bad}:2:1: error: no library module 'taxi_priors'")
    assert "taxi_prior, " in str(err.value)
    with pytest.raises(DslError, match="keyword"):
        check_text("import transition\n")


def test_saved_models_import_a_library_prior_by_name(tmp_path: Path) -> None:
    """A model written by synthesis imports a library prior by name (so moving the file keeps it
    valid) and any other prior by relative path; a candidate may import neither."""
    body = "reward := 0\ndone := false\n"
    out = tmp_path / "run" / "models" / "000.wc"
    out.parent.mkdir(parents=True)
    text = program_text(Spec((), (domain("taxi").prior_path,)), body, out)
    assert text.startswith("import taxi_prior\n\n")
    out.write_text(text)
    moved = tmp_path / "elsewhere" / "000.wc"
    moved.parent.mkdir()
    out.rename(moved)
    check_file(moved)
    own = tmp_path / "prior.wc"
    own.write_text(
        library_path("taxi_prior").read_text().replace('import "prelude.wc"', "import prelude")
    )
    assert program_text(Spec((), (own,)), body, out).startswith('import "../../prior.wc"\n')
    with pytest.raises(DslError, match="must not import"):
        check_candidate(Spec((), (own,)), "import taxi_prior\n" + body)


def test_learn_on_sokoban_plays_the_bundled_levels_in_turn(tmp_path: Path) -> None:
    """Without a level file, episode e plays level (seed + e) mod n of the domain's level set
    (Sokoban: the bundled levels), not level 0 every time."""
    levels = load_levels(level_set_path("bundled"))
    seed = 4
    config = LearnConfig("Sokoban", episodes=len(levels) + 1, seed=seed, max_steps=2,
                         explore_steps=10_000, correctness=False, heldout_episodes=0)  # fmt: skip
    run = RunDir(tmp_path / "run")
    run.create(asdict(config))
    Agent(config, run).learn()
    firsts = {r["episode"]: r["state"] for r in run.records("transitions.jsonl") if r["step"] == 0}
    assert sorted(firsts) == list(range(len(levels) + 1))
    for episode, state in firsts.items():
        level = levels[(seed + episode) % len(levels)]
        assert (state["agent"]["x"], state["agent"]["y"]) == level.player
        boxes = {(o["x"], o["y"]) for o in state["objects"] if o["kind"] == "box"}
        assert boxes == set(level.boxes)
    assert json.loads((run.path / "config.json").read_text())["level_file"] is None


def test_cli_takes_library_and_level_set_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`synth --prior minigrid_prior` names the library module; `learn --level-file boxoban` keeps
    the set's name in config.json (so a resumed run finds it), a path is made absolute."""
    assert prior_file("minigrid_prior") == library_path("minigrid_prior")
    assert prior_file("my_prior.wc") == Path("my_prior.wc")
    monkeypatch.chdir(tmp_path)
    for levels, kept in (("boxoban", "boxoban"), ("lv.txt", str(tmp_path / "lv.txt"))):
        (tmp_path / "lv.txt").write_text(level_set_path("bundled").read_text())
        run = tmp_path / f"run-{levels}"
        code = main(["learn", "--env", "Sokoban", "--level-file", levels, "--max-env-steps", "3",
                     "--no-correctness", "--run-dir", str(run)])  # fmt: skip
        assert code == 1  # three steps solve nothing
        assert json.loads((run / "config.json").read_text())["level_file"] == kept


DYNAMICS = {
    "minigrid": {"passable", "blocked", "front_blocked", "pickable"},
    "babyai": {"passable", "blocked", "front_blocked", "pickable"},
    "sokoban": {"solid", "ahead_free", "beyond_free", "can_push", "solved"},
    "taxi": {"can_move"},
}


@pytest.mark.parametrize("name", DOMAINS)
def test_the_perception_prior_gives_no_dynamics_away_and_the_hint_adds_them(name: str) -> None:
    facts = domain(name)
    perception = {f.name for f in check_file(facts.prior_path).functions}
    hint = {f.name for f in check_file(facts.hint_path).functions}
    assert not perception & DYNAMICS[name]
    assert hint == perception | DYNAMICS[name]


@pytest.mark.parametrize("kind", ["perception", "hint"])
def test_the_agent_learns_from_the_prior_it_is_given(kind: str, tmp_path: Path) -> None:
    config = LearnConfig("MiniGrid-Empty-5x5-v0", prior=kind)
    run = RunDir(tmp_path / "run")
    run.create(asdict(config))
    agent = Agent(config, run)
    assert agent.prior == domain("minigrid").prior_of(kind)
    saved = program_text(agent.prior_spec, "transition {\n}\nreward := 0\ndone := false\n")
    assert saved.startswith(f"import {agent.prior.stem}\n")
    body = "transition {\n}\nreward := 0\ndone := false\n"
    assert check_candidate(agent.prior_spec, body).schema == check_file(agent.prior).schema


def test_an_unknown_prior_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["learn", "--env", "MiniGrid-Empty-5x5-v0", "--prior", "oracle"])
    assert exit_.value.code == 2 and "--prior: invalid choice: 'oracle'" in capsys.readouterr().err
