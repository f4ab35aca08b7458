"""analyze() end to end on small generated media, without a model and with a tiny
random-weight compact model passed explicitly (shapes, curves and time mapping only)."""

import numpy as np
import pytest
import torch
from videogen import noise_audio, solid, write_media

from mulse_author.detect.analyze import AnalysisCancelled, analyze, window_starts
from mulse_author.document import Source
from mulse_author.errors import MediaError
from mulse_author.labels import LABELS
from mulse_author.model import BimodalNet, ModelConfig


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    def orange_then_blue(i, t):
        return solid((255, 140, 0) if t < 6 else (30, 60, 220))

    return {
        "av": write_media(d / "av.mp4", 14.0, orange_then_blue, noise_audio(0.05)),
        "silent": write_media(d / "silent.mp4", 12.0,
                              lambda i, t: solid((255, 255, 255) if 100 <= i < 103 else (40, 40, 40))),
        "audio": write_media(d / "audio.m4a", 12.0, None, noise_audio(0.1), container="mp4"),
        "short": write_media(d / "short.mp4", 3.0, orange_then_blue, noise_audio(0.05)),
    }


def _net(variant):
    torch.manual_seed(0)
    return BimodalNet(ModelConfig.compact(variant)).eval()


def test_window_starts():
    assert np.allclose(window_starts(14.0, 1.0), [0, 1, 2, 3, 4])
    assert np.allclose(window_starts(14.5, 2.0), [0, 2, 4, 4.5])  # last window ends at the end
    assert np.allclose(window_starts(3.0, 1.0), [0])


def test_no_model_gives_cues_and_says_so(media, monkeypatch):
    monkeypatch.setattr("mulse_author.model.default_model_path", lambda: None)
    doc = analyze(media["av"])
    a = doc.analysis
    assert a["scene_detection"] is False and doc.curves is None
    assert any("scene detection unavailable" in w for w in a["warnings"])
    lights = doc.segments("Light")
    assert lights and all(s.source is Source.SUGGESTED for s in lights)
    assert {s.location for s in lights} == {"left:*:front", "center:*:front", "right:*:front"}
    assert doc.media.duration_ms == 14000 and doc.media.has_audio and doc.media.fps == 25


def test_bimodal_random_weights_curves_and_time_mapping(media):
    doc = analyze(media["av"], model=_net("bimodal"), hop_s=1.0)
    a = doc.analysis
    assert a["scene_detection"] is True and a["windows"] == 5 and a["model_variant"] == "bimodal"
    c = doc.curves
    assert set(c.values) == set(LABELS)
    assert c.step_ms == 500 and all(len(v) == 28 for v in c.values.values())  # 14 s / 0.5 s
    assert all(0.0 <= x <= 1.0 for v in c.values.values() for x in v)
    for s in doc.segments():
        assert 0 <= s.start_ms < s.end_ms <= 14000


def test_windows_share_features_scores_match_direct_forward(media):
    """The sliding-window scores equal a plain forward pass on each window's inputs."""
    import importlib

    mod = importlib.import_module("mulse_author.detect.analyze")
    from mulse_author.detect.segmentation import DetectionSettings

    net = _net("bimodal")
    captured = {}
    orig = mod.detect_segments

    def spy(scores, starts, *args, **kw):
        captured["scores"], captured["starts"] = np.array(scores), np.array(starts)
        return orig(scores, starts, *args, **kw)

    mod.detect_segments = spy
    try:
        analyze(media["av"], model=net, hop_s=2.0, settings=DetectionSettings())
    finally:
        mod.detect_segments = orig
    assert np.allclose(captured["starts"], [0, 2, 4])
    # rebuild window 1 (start 2 s) directly from a whole-file decode
    from mulse_author.features.frames import frames_to_tensor, window_start_frame
    from mulse_author.features.mel import log_mel
    from mulse_author.media.decode import stream_media

    audio, frames = [], []
    for ch in stream_media(media["av"]):
        audio.append(ch.audio)
        frames.append(ch.frames)
    audio = np.concatenate(audio)
    i0 = int(round(2.0 * 22050 / 512))
    mel = log_mel(torch.from_numpy(audio), precise=False)[:, i0:i0 + 420]
    j0 = window_start_frame(2.0)
    fr = frames_to_tensor(np.concatenate(frames)[j0:j0 + 32])[None]
    direct = net.predict_proba(mel[None, None], fr).numpy()[0]
    assert np.allclose(captured["scores"][1], direct, atol=2e-3)


def test_video_without_audio(media):
    doc = analyze(media["silent"], model=_net("bimodal"))
    w = " ".join(doc.analysis["warnings"])
    assert doc.analysis["scene_detection"] is False and "no audio track" in w
    flashes = doc.segments("Flash")
    assert len(flashes) == 1 and abs(flashes[0].start_ms - 4000) <= 40
    # the late-fusion model falls back to its video head, explicitly
    doc2 = analyze(media["silent"], model=_net("late_fusion"))
    assert doc2.analysis["scene_detection"] is True
    assert any("video head alone" in x for x in doc2.analysis["warnings"])


def test_audio_only_file(media):
    doc = analyze(media["audio"], model=_net("audio"))
    assert doc.analysis["scene_detection"] is True and not doc.media.has_video
    assert doc.media.fps is None and not [s for s in doc.segments() if s.label is None]  # no cues
    assert any("no video track" in w for w in doc.analysis["warnings"])
    doc2 = analyze(media["audio"], model=_net("video"))
    assert doc2.analysis["scene_detection"] is False


def test_short_video_single_padded_window(media):
    doc = analyze(media["short"], model=_net("bimodal"))
    a = doc.analysis
    assert a["windows"] == 1 and any("shorter than" in w for w in a["warnings"])
    assert all(len(v) == 6 for v in doc.curves.values.values())
    for s in doc.segments():
        assert s.end_ms <= 3000


def test_progress_and_cancel(media, monkeypatch):
    monkeypatch.setattr("mulse_author.model.default_model_path", lambda: None)
    seen = []
    analyze(media["av"], progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(AnalysisCancelled):
        analyze(media["av"], cancel=lambda: True)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(MediaError, match="not found"):
        analyze(tmp_path / "nope.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(MediaError, match="bad.mp4"):
        analyze(bad)


def test_suggestions_never_overlap_on_one_effect_and_location(media, tmp_path):
    """Every label detected (threshold ~0): Thunder, Gunshot and Explosion all propose Flash
    and Vibration over the same time; analysis flattens them and the result exports as is."""
    from mulse_author.effects.overlaps import has_overlaps
    from mulse_author.formats import read_sem, write_sem

    doc = analyze(media["av"], model=_net("bimodal"), thresholds={lab: 1e-3 for lab in LABELS})
    assert {s.label for s in doc.segments("Vibration")} <= {"Thunder", "Gunshot", "Explosion"}
    o = doc.analysis["overlaps"]
    assert o["suggestions_cut"] > 0 and o["before"] > o["after"] == len(doc)
    assert "strongest" in o["rule"]
    assert not has_overlaps(doc.segments())
    assert len(doc.segments("Vibration")) >= 1 and len(doc.segments("Flash")) >= 1
    write_sem(doc, tmp_path / "a.sem")  # would raise FormatError on an overlap
    back, _ = read_sem(tmp_path / "a.sem")
    assert len(back) == len(doc)
