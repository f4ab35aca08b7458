"""The synthetic audio-visual benchmark: label/modality design, reproducibility, and the
paper's claim (bimodal beats audio-only and video-only) on a held-out split."""

import numpy as np
import pytest

from mulse_author.labels import LABELS
from training import synthetic as S
from training.table1 import run_table1


def _clip(labels, seed=0, **kw):
    return S.render_clip(np.array([1.0 if lab in labels else 0.0 for lab in LABELS]),
                         np.random.default_rng(seed), seconds=2.5, video_frames=8, **kw)


def test_every_label_has_a_modality():
    assert set(S.MODALITY) == set(LABELS)
    assert {S.MODALITY[lab] for lab in LABELS} == {"audio", "video", "both"}


def test_shapes_ranges_and_reproducibility():
    a = list(S.generate(3, seed=5, seconds=2.5, video_frames=8))
    b = list(S.generate(3, seed=5, seconds=2.5, video_frames=8))
    for x, y in zip(a, b):
        assert x.audio.dtype == np.float32 and x.audio.shape == (int(round(2.5 * 22050)),)
        assert x.frames.shape == (8, 3, 32, 32)
        assert 0.0 <= x.frames.min() and x.frames.max() <= 1.0
        np.testing.assert_array_equal(x.audio, y.audio)
        np.testing.assert_array_equal(x.frames, y.frames)
    assert a[0].source != a[1].source


def _energy_above(audio, hz, sr=22050):
    spec = np.abs(np.fft.rfft(audio)) ** 2
    f = np.fft.rfftfreq(audio.size, 1 / sr)
    return spec[f > hz].sum() / spec.sum()


def test_visible_only_labels_are_silent_and_audible_only_are_invisible():
    base = _clip([], seed=3)
    for lab in ("Wind", "Fire"):  # video only: same audio as no label, different frames
        c = _clip([lab], seed=3)
        np.testing.assert_allclose(c.audio, base.audio)
        assert np.abs(c.frames - base.frames).mean() > 0.005
    for lab in ("Rain", "Gunshot"):  # audio only: louder audio, same frames
        c = _clip([lab], seed=3)
        np.testing.assert_array_equal(c.frames, base.frames)
        assert np.sqrt(np.mean(c.audio**2)) > 2 * np.sqrt(np.mean(base.audio**2))
    rain = _clip(["Rain"], seed=4)
    assert _energy_above(rain.audio, 3000) > 0.5


def test_bad_arguments():
    with pytest.raises(ValueError):
        S.render_clip([1, 0], np.random.default_rng(0))
    with pytest.raises(ValueError):
        list(S.generate(1, 0, p=1.5))


@pytest.mark.slow
def test_bimodal_beats_unimodal_on_held_out_split():
    """All six Table I settings, tiny network, a few epochs on CPU (about 2 minutes)."""
    from training.config import TrainConfig
    from training.dataspec import DataSpec

    cfg = TrainConfig.load("training/configs/synthetic.json")
    cfg = cfg.replace(epochs=8, data=DataSpec(kind="synthetic", n_train=240, n_val=80,
                                               n_test=160, seed=0))
    results = run_table1(cfg, None, log=lambda m: None)
    f1 = {v: r.metrics["test"]["micro_f1"] for v, r in results.items()}
    assert set(f1) == {"bimodal", "audio", "video", "fusioned_audio", "fusioned_video",
                       "late_fusion"}
    assert f1["bimodal"] > f1["audio"] + 0.03, f1
    assert f1["bimodal"] > f1["video"] + 0.03, f1
    # the unimodal settings cannot see (hear) the audio-only (video-only) labels
    audio_pl = results["audio"].metrics["test"]["per_label"]
    video_pl = results["video"].metrics["test"]["per_label"]
    bi_pl = results["bimodal"].metrics["test"]["per_label"]
    assert max(audio_pl[lab]["average_precision"] for lab in ("Wind", "Fire")) < 0.7
    assert max(video_pl[lab]["average_precision"] for lab in ("Rain", "Gunshot")) < 0.7
    assert bi_pl["Wind"]["average_precision"] > 0.8 and bi_pl["Rain"]["average_precision"] > 0.8
