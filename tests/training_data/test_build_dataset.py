"""The build_dataset command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from audiogen import tone, write_audio

from training.build_dataset import main
from training.datasets.audio import load_audio
from training.datasets.local import read_manifest
from training.datasets.splits import check_disjoint


def test_audioset_command(shared_dir, tmp_path, capsys):
    out = tmp_path / "as"
    assert main(["audioset", "--csv", str(shared_dir / "audioset" / "eval_segments.csv"),
                 "--out", str(out)]) == 0
    sel = json.loads((out / "selection.json").read_text())
    assert sel["counts"]["clips"] == 576
    assert len(read_manifest(out / "manifest.csv")) == 576
    assert main(["audioset", "--csv", str(shared_dir / "audioset" / "eval_segments.csv"),
                 "--out", str(out), "--children", "--ontology",
                 str(shared_dir / "audioset" / "ontology.json"), "--cap", "100"]) == 0
    counts = json.loads((out / "selection.json").read_text())["counts"]
    assert counts["Thunder"] == 63 and counts["Gunshot"] == 100


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "rec"
    rng = np.random.default_rng(0)
    for pkg in ("p1", "p2", "p3"):
        write_audio(root / "rain" / f"{pkg}__rain.wav",
                    (0.2 * rng.standard_normal(22050 * 4)).astype(np.float32))
        write_audio(root / "gunshot" / f"{pkg}__shot.wav", tone(0.4, 1500.0 + 100 * len(pkg)))
    bg = tmp_path / "bg"
    write_audio(bg / "street.wav", (0.05 * rng.standard_normal(22050 * 3)).astype(np.float32))
    return root, bg


def test_mix_command_writes_clips_and_resumes(folder, tmp_path):
    root, bg = folder
    out = tmp_path / "mixed"
    args = ["mix", "--recordings", str(root), "--backgrounds", str(bg), "--out", str(out),
            "--clips", "4", "--seed", "5", "--quiet"]
    assert main(args) == 0
    recs = read_manifest(out / "manifest.csv")
    assert len(recs) == 4
    for r in recs:
        audio = load_audio(r.path)
        assert audio.size == 220500 and np.abs(audio).max() < 1.0
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "clips").iterdir()}
    assert main(args[:-5] + ["--clips", "6", "--seed", "5", "--quiet"]) == 0  # resume + extend
    assert len(read_manifest(out / "manifest.csv")) == 6
    for name, stamp in stamps.items():  # first four not rewritten
        assert (out / "clips" / name).stat().st_mtime_ns == stamp


def test_split_and_scan_commands(folder, tmp_path):
    root, _ = folder
    assert main(["scan", "--recordings", str(root), "--out", str(tmp_path / "all.csv")]) == 0
    assert len(read_manifest(tmp_path / "all.csv")) == 6
    assert main(["split", "--recordings", str(root), "--out", str(tmp_path / "splits"),
                 "--fractions", '{"train": 0.67, "val": 0.33}']) == 0
    splits = {s: read_manifest(tmp_path / "splits" / f"{s}.csv") for s in ("train", "val")}
    check_disjoint(splits)
    assert sum(len(v) for v in splits.values()) == 6 and splits["val"]


def test_bad_input_exit_code(tmp_path, capsys):
    assert main(["mix", "--recordings", str(tmp_path / "nope"), "--out", str(tmp_path / "o"),
                 "--clips", "1"]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["audioset", "--csv", str(tmp_path / "none.csv"), "--out", str(tmp_path)]) == 2
