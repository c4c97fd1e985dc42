"""The `disgrl` command line (in-process)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from disgrl.cli import build_parser, main


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("predict", "convert", "list-models"):
        assert cmd in out


@pytest.mark.parametrize("cmd", [c for c in build_parser()._subparsers._group_actions[0].choices])
def test_every_command_has_help_with_examples(cmd, capsys):
    with pytest.raises(SystemExit) as info:
        main([cmd, "--help"])
    assert info.value.code == 0
    assert len(capsys.readouterr().out) > 200


def test_list_models(capsys):
    assert main(["list-models", "disgrl_xception_no_*"]) == 0
    assert capsys.readouterr().out.split() == ["disgrl_xception_no_dea", "disgrl_xception_no_rfa"]


def test_predict_table_json_maps_and_exit_codes(tiny_model, tmp_path, capsys):
    weights = tiny_model.save_pretrained(tmp_path / "w")
    good = tmp_path / "a.png"
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(good)
    bad = tmp_path / "b.jpg"
    bad.write_bytes(b"")
    assert main(["predict", str(good), str(bad), "--weights", str(weights), "--device", "cpu"]) == 0
    out = capsys.readouterr()
    assert "a.png" in out.out and "error" in out.out and "1 of 2" in out.err

    assert main(["predict", str(good), "--weights", str(weights), "--json", "--save-maps", str(tmp_path / "m")]) == 0
    row = json.loads(capsys.readouterr().out.strip())
    assert row["source"] == str(good) and row["label"] in ("real", "fake")
    assert len(list((tmp_path / "m").glob("*.png"))) == 1

    assert main(["predict", str(bad), "--weights", str(weights)]) == 1  # nothing scored


def test_predict_reports_bad_weights(tmp_path, capsys):
    assert main(["predict", "x.png", "--weights", str(tmp_path / "nope" / "w")]) == 2
    assert "weights folder not found" in capsys.readouterr().err


def test_predict_finds_videos_in_folders_and_globs(tmp_path):
    from disgrl.cli.predict import split_videos
    from disgrl.video import is_video_file

    (tmp_path / "clips" / "sub").mkdir(parents=True)
    for name in ("clips/a.mp4", "clips/sub/b.MOV", "mixed/c.jpg", "mixed/d.avi", "e.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    clips, mixed = str(tmp_path / "clips"), str(tmp_path / "mixed")
    images, videos = split_videos(
        [clips, mixed, str(tmp_path / "e.png"), str(tmp_path / "clips" / "*.mp4")], is_video_file
    )
    assert images == [mixed, str(tmp_path / "e.png")]  # a video-only folder is not scanned for images
    assert videos == [str(tmp_path / "clips" / "a.mp4"), str(tmp_path / "clips" / "sub" / "b.MOV"),
                      str(tmp_path / "mixed" / "d.avi"), str(tmp_path / "clips" / "a.mp4")]  # fmt: skip
