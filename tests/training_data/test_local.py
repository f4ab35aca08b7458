"""Local folder datasets and CSV manifests."""

from __future__ import annotations

import numpy as np
import pytest
from audiogen import tone, write_audio, write_video

from mulse_author.errors import FormatError
from training.datasets.audio import load_audio, probe_duration
from training.datasets.local import read_manifest, scan_folder, source_of, write_manifest
from training.datasets.recordings import Recording, parse_labels


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "data"
    write_audio(root / "Rain" / "pkgA__ambient_rain.ogg", tone(1.5, 300))
    write_audio(root / "rain" / "field_rain.flac", tone(1.0, 310))
    write_audio(root / "GUNSHOT" / "pkgB__shot.wav", tone(0.3, 900))
    write_video(root / "explosion" / "clip.mp4", 1.0)
    write_audio(root / "background" / "pkgC__street.wav", tone(2.0, 120))
    write_audio(root / "None" / "room.wav", tone(0.5, 60))
    (root / "rain" / "LICENSE.txt").write_text("CC0")
    (root / "rain" / ".hidden.wav").write_text("not audio")
    return root


def test_scan_folder_labels_sources_durations(folder):
    recs = scan_folder(folder)
    by_name = {r.path.split("/")[-1]: r for r in recs}
    assert set(by_name) == {"pkgA__ambient_rain.ogg", "field_rain.flac", "pkgB__shot.wav",
                            "clip.mp4", "pkgC__street.wav", "room.wav"}
    assert by_name["pkgA__ambient_rain.ogg"].labels == ("Rain",)
    assert by_name["field_rain.flac"].labels == ("Rain",)
    assert by_name["pkgB__shot.wav"].labels == ("Gunshot",)
    assert by_name["clip.mp4"].labels == ("Explosion",)
    assert by_name["pkgC__street.wav"].labels == ()
    assert by_name["room.wav"].labels == ()
    assert by_name["pkgA__ambient_rain.ogg"].source == "pkgA"
    assert by_name["field_rain.flac"].source == "field_rain"
    assert by_name["pkgB__shot.wav"].duration_s == pytest.approx(0.3, abs=0.01)
    assert by_name["pkgA__ambient_rain.ogg"].duration_s == pytest.approx(1.5, abs=0.05)


def test_video_audio_decodes(folder):
    audio = load_audio(folder / "explosion" / "clip.mp4", sr=22050)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert audio.size == pytest.approx(22050, rel=0.1)
    spec = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spec) * 22050 / audio.size - 440) < 5


def test_load_audio_span(tmp_path):
    sig = np.concatenate([tone(1.0, 200), tone(1.0, 2000)])
    path = write_audio(tmp_path / "two.wav", sig)
    part = load_audio(path, sr=22050, start_s=1.25, end_s=1.75)
    assert part.size == pytest.approx(0.5 * 22050, abs=2)
    spec = np.abs(np.fft.rfft(part))
    assert abs(np.argmax(spec) * 22050 / part.size - 2000) < 5
    assert probe_duration(path) == pytest.approx(2.0, abs=0.01)


def test_unknown_label_folder_is_a_clear_error(tmp_path):
    write_audio(tmp_path / "d" / "Rainn" / "x.wav", tone(0.2, 100))
    with pytest.raises(FormatError, match="Rainn"):
        scan_folder(tmp_path / "d")
    with pytest.raises(FormatError, match="not found"):
        scan_folder(tmp_path / "missing")


def test_source_of():
    assert source_of("/x/0ad-data__audio_rain.ogg") == "0ad-data"
    assert source_of("/x/plain_name.wav") == "plain_name"
    assert source_of("/x/__odd.wav") == "__odd"


def test_manifest_multilabel_relative_paths_and_times(tmp_path):
    write_audio(tmp_path / "clips" / "storm.wav", tone(3.0, 150))
    csv_path = tmp_path / "manifest.csv"
    csv_path.write_text(
        "path,labels,start_s,end_s,source\n"
        "clips/storm.wav,rain;Thunder,0.5,2.5,vid1\n"
        "clips/storm.wav,,,,\n"
        f"{tmp_path}/clips/storm.wav,background,1,2,vid2\n")
    recs = read_manifest(csv_path)
    assert recs[0] == Recording(str(tmp_path / "clips/storm.wav"), ("Thunder", "Rain"), "vid1",
                                0.5, 2.5)
    assert recs[0].duration_s == pytest.approx(2.0)
    assert recs[1].labels == () and recs[1].source == "storm" and recs[1].start_s is None
    assert recs[2].labels == () and recs[2].source == "vid2"
    audio = load_audio(recs[0].path, start_s=recs[0].start_s, end_s=recs[0].end_s)
    assert audio.size == pytest.approx(2.0 * 22050, abs=2)


@pytest.mark.parametrize("body, msg", [
    ("path,labels\nx.wav,Hail\n", "Hail"),
    ("path,labels,start_s\nx.wav,Rain,soon\n", "soon"),
    ("path,labels,start_s,end_s\nx.wav,Rain,3,2\n", "not after"),
    ("file,label\nx.wav,Rain\n", "lacks column"),
    ("path,labels\n,Rain\n", "empty path"),
])
def test_manifest_bad_rows(tmp_path, body, msg):
    p = tmp_path / "m.csv"
    p.write_text(body)
    with pytest.raises(FormatError, match=msg) as err:
        read_manifest(p)
    assert "m.csv" in str(err.value)


def test_write_manifest_roundtrip(tmp_path, folder):
    recs = scan_folder(folder)
    recs.append(Recording(str(folder / "rain" / "field_rain.flac"), ("Rain", "Wind"), "s", 0.1, 0.9))
    out = write_manifest(recs, folder / "manifest.csv")
    back = read_manifest(out)
    assert back == recs
    assert "data/" not in out.read_text()  # paths written relative to the CSV


def test_parse_labels_order_and_case():
    assert parse_labels("gunshot;WIND; rain") == ("Wind", "Rain", "Gunshot")
    assert parse_labels("") == () and parse_labels("none") == ()
