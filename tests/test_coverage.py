"""Short validation runs of each family added by issue 20 (the reference model against the real
environment, on random and on solution-following episodes), and the coverage table itself."""

from __future__ import annotations

from functools import cache

import gymnasium
import pytest

from bench.validate_models import guided_records, random_records
from dsl import core as C
from dsl.check import check_file
from worldcoder.domains import domain
from worldcoder.envs import SUPPORTED_ENVS
from worldcoder.envs.coverage import FAMILIES, coverage, family_of
from worldcoder.validate import validate_model

NEW_MINIGRID = ("LockedRoom", "DistShift", "Playground", "Memory", "ObstructedMaze-Dl")


@cache
def reference(name: str) -> C.Program:
    return check_file(domain(name).reference_path)


def test_every_registered_id_has_a_family_and_a_status() -> None:
    registered = {k for k in gymnasium.envs.registry if k.startswith(("MiniGrid-", "BabyAI-"))}
    rows = {r.env_id: r for r in coverage()}
    assert set(rows) == registered
    for env_id, row in rows.items():
        assert family_of(env_id) is not None, env_id
        assert row.supported == (env_id in SUPPORTED_ENVS), env_id
        assert row.status.startswith(("validated", "unsupported: ")), row
    assert {f.name for f in FAMILIES} == {r.family for r in rows.values()}


@pytest.mark.parametrize("family", NEW_MINIGRID)
def test_new_minigrid_family_validates(family: str) -> None:
    program = reference("minigrid")
    for kind, records in (
        ("random", list(random_records(family, 4, 0))),
        ("guided", list(guided_records(family, 4, 100_000))),
    ):
        agreement = validate_model(program, records)
        assert agreement.steps > 0
        assert agreement.first_mismatch is None, (kind, agreement.first_mismatch.render())
    if family not in ("Playground",):
        assert any(r["reward"] > 0 for r in guided_records(family, 4, 100_000)), family
