"""The mulse-author command line: exit codes, one-line errors, project output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from videogen import noise_audio, solid, write_media

from mulse_author.cli import main, parse_thresholds
from mulse_author.errors import MulseError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_media(tmp_path_factory.mktemp("cli") / "v.mp4", 4.0,
                       lambda i, t: solid((255, 120, 0)), noise_audio(0.05))


def test_analyze_writes_project(video, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("mulse_author.model.default_model_path", lambda: None)
    out = tmp_path / "p.json"
    assert main(["analyze", str(video), "-o", str(out), "--no-progress"]) == 0
    data = json.loads(out.read_text())
    assert data["format"] == "mulse-author-project"
    assert any(s["effect"] == "Light" for s in data["segments"])
    err = capsys.readouterr().err
    assert "scene detection unavailable" in err


@pytest.mark.parametrize("make, fragment", [
    (lambda d: d / "missing.mp4", "not found"),
    (lambda d: (d / "bad.mp4").write_bytes(b"nonsense" * 50) and d / "bad.mp4", "bad.mp4"),
    (lambda d: d, "folder"),
])
def test_bad_input_files_one_line_exit_2(tmp_path, capsys, make, fragment):
    path = make(tmp_path)
    assert main(["analyze", str(path), "-o", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mulse-author: error:") and fragment in err[0]
    assert "Traceback" not in err[0]


def test_bad_options(video, tmp_path, capsys):
    assert main(["analyze", str(video), "-o", str(tmp_path / "o.json"), "--hop", "0"]) == 2
    assert main(["analyze", str(video), "-o", str(tmp_path / "o.json"), "--threshold", "Lava=0.2"]) == 2
    assert main(["analyze", str(video), "-o", str(tmp_path / "o.json"), "--model", str(tmp_path / "none")]) == 2
    bad_rules = tmp_path / "r.json"
    bad_rules.write_text("{")
    assert main(["analyze", str(video), "-o", str(tmp_path / "o.json"), "--rules", str(bad_rules)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(e.startswith("mulse-author: error:") for e in err)


def test_parse_thresholds():
    assert parse_thresholds(["0.4", "fire=0.3,Rain=0.6"]) == (0.4, {"Fire": 0.3, "Rain": 0.6})
    with pytest.raises(MulseError):
        parse_thresholds(["x"])
    with pytest.raises(MulseError):
        parse_thresholds(["Fire=1.5"])


def test_python_dash_m_entry_point_and_usage_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "mulse_author", "analyze", str(tmp_path / "no.mp4"), "-o", "x.json"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not found" in r.stderr
    r = subprocess.run([sys.executable, "-m", "mulse_author"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2


def test_demo_runs_on_bundled_video(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("mulse_author.model.default_model_path", lambda: None)
    assert main(["demo", "--output-dir", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "demo_project.json").is_file()
    assert "Flash" in out and "Light" in out and "scene detection unavailable" in out
