"""`worldcoder play`: planning with a fixed model in a real environment, shown as text frames."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from worldcoder.cli import main

MODELS = Path(__file__).resolve().parents[1] / "models"
AGENT_ROW = re.compile(r"^ #.*[>v<^]", re.MULTILINE)  # a grid row holding the MiniGrid agent


def play(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["play", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_reference_model_solves_doorkey(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play(capsys, str(MODELS / "minigrid.wc"), "--env", "MiniGrid-DoorKey-5x5-v0",
                        "--seed", "1")  # fmt: skip
    assert code == 0
    assert "step 1: " in out and "solved" in out.splitlines()[-1]
    frames = out.split("\n\n")
    assert len(AGENT_ROW.findall(out)) >= 8  # the start and every step show the agent
    assert " L " in frames[0] and "/" in out  # the locked door, opened on the way


@pytest.mark.parametrize("planner", ["astar", "mcts"])
def test_other_planners_solve_it_too(capsys: pytest.CaptureFixture[str], planner: str) -> None:
    code, out, _ = play(capsys, str(MODELS / "minigrid.wc"), "--env", "MiniGrid-DoorKey-5x5-v0",
                        "--seed", "2", "--planner", planner)  # fmt: skip
    assert code == 0, out[-500:]


def test_gif_writes_an_animation(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    gif = tmp_path / "episode.gif"
    code, _, _ = play(capsys, str(MODELS / "minigrid.wc"), "--env", "MiniGrid-Empty-5x5-v0",
                      "--seed", "0", "--gif", str(gif))  # fmt: skip
    assert code == 0
    data = gif.read_bytes()
    assert data[:6] in (b"GIF87a", b"GIF89a") and len(data) > 100


def test_text_pictures_animate_environments_without_pictures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    gif = tmp_path / "sokoban.gif"
    code, out, _ = play(capsys, str(MODELS / "sokoban.wc"), "--env", "Sokoban", "--seed", "1",
                        "--gif", str(gif))  # fmt: skip
    assert code == 0 and "@" in out and "$" in out.split("\n\n")[0]
    assert gif.read_bytes()[:3] == b"GIF"


def test_the_push_planner_solves_a_four_box_boxoban_level(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = play(capsys, str(MODELS / "sokoban.wc"), "--env", "Sokoban", "--planner",
                        "sokoban", "--level-file", "boxoban", "--level", "0",
                        "--horizon", "1000")  # fmt: skip
    assert code == 0, out[-500:]
    start = [row for row in out.split("\n\n")[0].splitlines() if row.startswith(" #")]
    assert "".join(start).count("$") == 4  # four boxes off target at the start
    assert "solved" in out.splitlines()[-1] and "1 plans with sokoban" in out.splitlines()[-1]


def test_taxi_frames_show_walls_and_the_taxi(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play(capsys, str(MODELS / "taxi.wc"), "--env", "Taxi-v4", "--seed", "1")
    assert code == 0
    start = out.split("\n\n")[0]
    assert "|" in start and "T" in start and "P" in start and " - - - - -" in start


def test_a_wrong_model_replans_and_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for f in MODELS.glob("*.wc"):
        (tmp_path / f.name).write_text(f.read_text())
    wrong = tmp_path / "minigrid.wc"  # left and right swapped: every planned turn goes wrong
    text = wrong.read_text().replace("left => turn_left", "left => turn_RIGHT")
    wrong.write_text(
        text.replace("right => turn_right", "right => turn_left").replace("RIGHT", "right")
    )
    code, out, _ = play(capsys, str(wrong), "--env", "MiniGrid-Empty-5x5-v0", "--seed", "0",
                        "--max-steps", "8")  # fmt: skip
    assert code == 1
    assert "mispredicted this step: replanning" in out
    assert "truncated after 8 steps" in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "MiniGrid-Nope-v0"], "error: unknown environment 'MiniGrid-Nope-v0'"),
        (["--env", "Taxi-v4"], "does not describe Taxi-v4 states"),
        (["--env", "MiniGrid-Empty-5x5-v0", "--gif", "/no/such/dir/x.gif"], "no such directory"),
        (
            ["--env", "MiniGrid-Empty-5x5-v0", "--planner", "sokoban"],
            "error: --planner sokoban plans box pushes; MiniGrid-Empty-5x5-v0 is not a Sokoban env",
        ),
    ],
)
def test_bad_input_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = play(capsys, str(MODELS / "minigrid.wc"), *args)
    assert code != 0
    assert message in err and err.strip().count("\n") == 0


def test_a_missing_model_file_is_a_located_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = play(capsys, str(MODELS / "nope.wc"), "--env", "MiniGrid-Empty-5x5-v0")
    assert code != 0
    assert err.strip().count("\n") == 0 and "nope.wc:1:1: error: cannot read file" in err
