"""Data glue: manifests of real media files (made with PyAV), windows, splits by source,
the feature cache, video frame sampling."""

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from mulse_author.errors import FormatError
from mulse_author.media.synth import write_media
from training.clip_features import sample_video_frames
from training.clip_loader import load_splits
from training.clips import ClipDataset, assert_sources_disjoint, collate
from training.config import model_config_from_spec
from training.dataspec import DataSpec

SR = 22050


def write_wav(path: Path, seconds: float, freq: float, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    x = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(t.size)
    return write_media(path, seconds, audio=x, sample_rate=SR, audio_codec="pcm_s16le", chunk=4096)


def write_video(path: Path, seconds: float, fps: int = 10) -> Path:
    """Video whose frame k is a flat grey of level 10 * k (so sampling can be checked)."""
    return write_media(path, seconds, lambda k, t: np.full((64, 64, 3), min(10 * k, 250), dtype=np.uint8),
                       size=(64, 64), fps=fps, video_codec="mpeg4")


@pytest.fixture
def manifest(tmp_path):
    rows = []
    for i, (lab, freq) in enumerate([("Rain", 3000), ("Rain", 3500), ("Thunder", 100),
                                     ("Thunder", 150), ("", 800), ("", 900),
                                     ("Rain;Thunder", 2000), ("Gunshot", 1500)]):
        p = write_wav(tmp_path / f"pkg{i}__clip.wav", 4.0, freq, seed=i)
        rows.append([p.name, lab, "", "", f"pkg{i}"])
    m = tmp_path / "manifest.csv"
    with open(m, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "labels", "start_s", "end_s", "source"])
        w.writerows(rows)
    return m


def test_manifest_splits_by_source_and_caches_features(manifest, tmp_path, monkeypatch, tiny_model_spec):
    cfg = model_config_from_spec(tiny_model_spec)  # audio variant, 54 mel frames
    spec = DataSpec(kind="manifest", path=str(manifest), window_s=2.0, hop_s=2.0,
                    fractions={"train": 0.5, "val": 0.25, "test": 0.25},
                    cache_dir=str(tmp_path / "cache"))
    sets = load_splits(spec, cfg)
    assert sum(len(s) for s in sets.values()) == 16  # 8 files x two 2 s windows
    assert_sources_disjoint(sets)
    tr = sets["train"]
    assert tr.mel.shape[1:] == (1, 60, 54) and tr.frames is None
    assert tr.labels.shape[1] == 7
    # the two windows of one file carry its labels
    assert torch.isfinite(tr.mel).all()

    # second run: everything comes from the cache, nothing is decoded
    import training.datasets.audio as A

    def no_decode(*a, **k):
        raise AssertionError("decoded again despite the cache")

    monkeypatch.setattr(A, "load_audio", no_decode)
    again = load_splits(spec, cfg)
    for k in sets:
        torch.testing.assert_close(sets[k].mel, again[k].mel)


def test_split_manifests_and_window_padding(tmp_path, tiny_model_spec):
    a = write_wav(tmp_path / "a.wav", 3.0, 440)
    b = write_wav(tmp_path / "b.wav", 1.0, 880)
    for name, p, lab in (("train.csv", a, "Wind"), ("val.csv", b, "Fire")):
        (tmp_path / name).write_text(f"path,labels\n{p.name},{lab}\n")
    cfg = model_config_from_spec(tiny_model_spec)
    spec = DataSpec(kind="manifest", split_manifests={"train": str(tmp_path / "train.csv"),
                                                      "val": str(tmp_path / "val.csv")},
                    window_s=1.25, hop_s=1.25, min_window_s=0.5)
    sets = load_splits(spec, cfg, splits=("train", "val"))
    assert len(sets["train"]) == 3  # 0-1.25, 1.25-2.5, 2.5-3.0 (0.5 s, kept and padded)
    assert len(sets["val"]) == 1
    assert sets["train"].labels[:, 0].tolist() == [1, 1, 1]
    # the padded tail window is quieter than the full ones (zeros after 0.5 s)
    mel = sets["train"].mel
    assert mel[2, 0, :, -5:].mean() < mel[0, 0, :, -5:].mean()


def test_video_frames_sampled_evenly(tmp_path):
    v = write_video(tmp_path / "v.mp4", 4.0, fps=10)
    fr = sample_video_frames(str(v), 0.0, 4.0, 4, 32)
    assert fr.shape == (4, 3, 32, 32) and fr.dtype == np.uint8
    # instants 0.5, 1.5, 2.5, 3.5 s -> frames 5, 15, 25, 35 -> grey 50, 150, 250, 250
    levels = fr.reshape(4, -1).mean(axis=1)
    np.testing.assert_allclose(levels, [50, 150, 250, 250], atol=6)
    fr2 = sample_video_frames(str(v), 1.0, 2.0, 2, 32)  # 1.5 s and 2.5 s
    np.testing.assert_allclose(fr2.reshape(2, -1).mean(axis=1), [150, 250], atol=6)


def test_audio_file_without_video_is_a_clear_error(tmp_path):
    from mulse_author.errors import MediaError

    a = write_wav(tmp_path / "a.wav", 1.0, 440)
    with pytest.raises(MediaError, match="no video stream"):
        sample_video_frames(str(a), 0.0, 1.0, 4, 32)


def test_data_spec_errors():
    with pytest.raises(FormatError, match="kind"):
        DataSpec(kind="nope")
    with pytest.raises(FormatError, match="needs a path"):
        DataSpec(kind="manifest")
    with pytest.raises(FormatError, match="unknown"):
        DataSpec.from_dict({"kind": "synthetic", "bogus": 1})
    assert DataSpec.from_argument("synthetic").kind == "synthetic"
    assert DataSpec.from_argument("audioset:x.csv").kind == "audioset"
    with pytest.raises(FormatError):
        DataSpec.from_argument("not-a-thing")


def test_synthetic_splits_are_disjoint_and_shaped(tiny_model_spec):
    cfg = model_config_from_spec(dict(tiny_model_spec, variant="bimodal"))
    sets = load_splits(DataSpec(kind="synthetic", n_train=4, n_val=2, n_test=2), cfg)
    assert_sources_disjoint(sets)
    assert sets["train"].frames.shape == (4, 4, 3, 32, 32)
    assert sets["train"].frames.dtype == torch.uint8
    mel, fr, y = collate([ClipDataset(sets["train"])[i] for i in range(2)])
    assert mel.shape == (2, 1, 60, 54) and fr.dtype == torch.float32 and fr.max() <= 1


def test_mixed_manifest_must_come_split(tmp_path):
    a = write_wav(tmp_path / "m.wav", 1.0, 440)
    m = tmp_path / "manifest.csv"
    m.write_text("path,labels,start_s,end_s,source,event_sources\n"
                 f"{a.name},Rain,,,mix0_000000,pkgA\n")
    with pytest.raises(FormatError, match="split_manifests"):
        load_splits(DataSpec(kind="manifest", path=str(m)), model_config_from_spec(
          {"preset": "compact", "variant": "audio"}))


def test_audioset_manifest_skips_clips_not_downloaded(tmp_path, tiny_model_spec):
    write_wav(tmp_path / "a.wav", 1.3, 440)
    write_wav(tmp_path / "b.wav", 1.3, 880)
    m = tmp_path / "manifest.csv"
    m.write_text("path,labels,start_s,end_s,source\n"
                 "a.wav,Rain,,,yt1\nb.wav,Fire,,,yt2\nmissing.wav,Wind,,,yt3\n")
    spec = DataSpec(kind="audioset", path=str(m), window_s=1.25,
                    fractions={"train": 0.5, "val": 0.5})
    sets = load_splits(spec, model_config_from_spec(tiny_model_spec), splits=("train", "val"))
    assert len(sets["train"]) + len(sets["val"]) == 2
    only_missing = tmp_path / "none.csv"
    only_missing.write_text("path,labels\nmissing.wav,Wind\n")
    with pytest.raises(FormatError, match="downloaded"):
        load_splits(DataSpec(kind="audioset", path=str(only_missing)),
                    model_config_from_spec(tiny_model_spec))
