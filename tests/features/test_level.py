"""Level normalisation of model 2.0's front end (mulse_author.features.level)."""

import numpy as np
import pytest
import torch

from mulse_author.features import level
from mulse_author.features.mel import mel_power

SR = 22050


def _lufs_reference(x: np.ndarray) -> float:
    """BS.1770 loudness of a mono signal with the K-weighting applied in the frequency domain."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / SR)
    y = np.fft.irfft(spec * np.sqrt(level.k_weighting_power(f)), len(x))
    return -0.691 + 10 * np.log10(np.mean(y ** 2))


def _signals():
    rng = np.random.default_rng(0)
    t = np.arange(SR * 5) / SR
    pink = np.fft.rfft(rng.standard_normal(SR * 5))
    f = np.fft.rfftfreq(SR * 5, 1 / SR)
    pink[1:] /= np.sqrt(f[1:])
    pink[0] = 0
    pink = np.fft.irfft(pink)
    return {
        "white": 0.1 * rng.standard_normal(SR * 5),
        "pink": 0.05 * pink / pink.std(),
        "sine 1 kHz": np.sin(2 * np.pi * 1000 * t),
        "sine 100 Hz": 0.3 * np.sin(2 * np.pi * 100 * t),
        "sine 5 kHz": 0.5 * np.sin(2 * np.pi * 5000 * t),
    }


@pytest.mark.parametrize("name", list(_signals()))
def test_loudness_from_mel_power_matches_bs1770_within_1_db(name):
    x = _signals()[name]
    mp = mel_power(torch.from_numpy(x.astype(np.float32))).numpy()
    assert abs(level.gated_loudness(level.block_levels(mp)) - _lufs_reference(x)) < 1.0


def test_normalised_input_does_not_depend_on_the_gain_within_the_boost_limit():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(SR * 12) * np.linspace(0.02, 0.3, SR * 12)).astype(np.float32)
    ref = level.normalise(mel_power(torch.from_numpy(x)).numpy())
    for db in (-10, -20, -30):
        quiet = level.normalise(mel_power(torch.from_numpy(x * 10 ** (db / 20))).numpy())
        assert np.allclose(quiet, ref, rtol=1e-3, atol=1e-9), db


def test_boost_is_capped_and_silence_stays_silent():
    rng = np.random.default_rng(2)
    hiss = (1e-4 * rng.standard_normal(SR * 10)).astype(np.float32)  # about -80 dBFS
    mp = mel_power(torch.from_numpy(hiss)).numpy()
    gains = level.block_gains(level.block_levels(mp))
    assert np.all(gains == 0.0)  # under the absolute gate: no boost at all
    room = (3e-3 * rng.standard_normal(SR * 10)).astype(np.float32)  # about -48 LUFS
    mp = mel_power(torch.from_numpy(room)).numpy()
    assert level.block_gains(level.block_levels(mp)).max() <= level.MAX_BOOST_DB
    assert np.all(level.normalise(np.zeros((60, 100), np.float32)) == 0)


def test_gains_of_a_part_equal_gains_of_the_whole():
    rng = np.random.default_rng(3)
    lv = rng.uniform(-60, -10, 300)
    lv[100:130] = -np.inf
    whole = level.block_gains(lv)
    for first, count in ((0, 10), (50, 77), (280, 20)):
        part = level.block_gains(lv[: first + count + level.SPAN_BLOCKS], first, count)
        assert np.array_equal(part, whole[first:first + count])
