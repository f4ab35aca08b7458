"""Event augmentation for training timelines (model 2.2)."""

import numpy as np

from training.augment import Augmenter, AugmentSettings
from training.datasets.recordings import Recording
from training.timelines import TimelineMaterial, build_timelines

SR = 22050


def _burst(seconds=1.0, seed=0):
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    return (rng.standard_normal(n) * np.exp(-np.arange(n) / (0.2 * SR)) * 0.3).astype(np.float32)


def test_augmenter_is_seeded_and_varies():
    x = _burst()
    a = [Augmenter(5)(x) for _ in range(2)]
    assert np.array_equal(a[0], a[1])
    aug = Augmenter(5)
    versions = [aug(x) for _ in range(20)]
    assert len({len(v) for v in versions}) > 3  # speed changes and room tails
    assert len({round(float(np.sqrt(np.mean(v.astype(np.float64) ** 2))), 4) for v in versions}) > 10
    for v in versions:
        assert v.dtype == np.float32 and np.isfinite(v).all() and np.abs(v).max() > 0.01


def test_speed_change_scales_the_length():
    x = _burst(2.0)
    s = AugmentSettings(speed=(1.25, 1.25), p_speed=1.0, p_shelf=0, p_lowpass=0, p_highpass=0, p_room=0)
    y = Augmenter(0, s)(x)
    assert abs(len(y) - len(x) / 1.25) <= 2  # played 1.25 times faster
    s = AugmentSettings(p_speed=0, p_shelf=0, p_lowpass=0, p_highpass=0, p_room=0)
    assert np.allclose(Augmenter(0, s)(x), x)  # nothing drawn: unchanged


def test_low_pass_removes_the_top_of_the_spectrum():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(SR) * 0.1).astype(np.float32)
    s = AugmentSettings(p_speed=0, p_shelf=0, p_lowpass=1.0, p_highpass=0, p_room=0)
    y = Augmenter(0, s)(x)
    spec = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(len(y), 1 / SR)
    assert spec[f > 9000].mean() < 0.01 * spec[f < 1000].mean()


def test_timelines_with_augmented_events():
    def load(path):
        return _burst(0.5 if "shot" in path else 20.0, seed=len(path))

    mat = TimelineMaterial([Recording("shot.wav", ("Gunshot",), "p"), Recording("wind.wav", ("Wind",), "p")],
                           ["music.wav"], ["talk.wav"])
    calls = []

    def aug(x):
        calls.append(len(x))
        return Augmenter(len(calls))(x)

    tl = build_timelines(mat, 1, 1.0, seed=3, load=load, augment=aug)
    audio, truth = tl[0]
    assert len(calls) >= len(truth) > 0  # each placed event went through the augmenter
    assert np.isfinite(audio).all() and all(0 < e.onset_s < e.offset_s < 60 for e in truth)
    plain = build_timelines(mat, 1, 1.0, seed=3, load=load)
    assert not np.array_equal(plain[0][0], audio)
