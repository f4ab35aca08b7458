"""Keyframes seeded from the loudness: swelling sounds get a few, steady sounds and one-shots none."""

import numpy as np
import pytest

from mulse_author.detect.label_segment import LabelSegment
from mulse_author.detect.loudness import LoudnessTrack
from mulse_author.document.keyframes import from_samples, value_at
from mulse_author.effects.envelope_keyframes import seed_keyframes
from mulse_author.effects.rules import DEFAULT_RULES_PATH, RulesError, apply_rules, load_rules, parse_rules

SR = 22050


def noise_track(db_at, seconds: float, seed: int = 0) -> LoudnessTrack:
    """White noise whose RMS level (dBFS) at time t is ``db_at(t)``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    x = rng.normal(0, 1, len(t)) * 10 ** (np.asarray(db_at(t), dtype=float) / 20)
    track = LoudnessTrack(SR, 512)
    for k in range(0, len(x), 4096):  # fed in chunks, as the decode pass does
        track.feed(x[k:k + 4096].astype(np.float32))
    track.finish()
    return track


def seeded(label, start_ms, end_ms, track, rules=None):
    rules = rules or load_rules(DEFAULT_RULES_PATH)
    segs = apply_rules([LabelSegment(label, start_ms, end_ms, 0.8, 0.9)], rules, track.level_db, track.peak_s)
    return seed_keyframes(segs, rules, track.level_db)


def test_rising_noise_gives_rising_keyframes():
    # wind swelling from -45 dBFS to -15 dBFS over 10 s (intensity 0.125 -> 0.875)
    track = noise_track(lambda t: -45 + 3 * t, 10.0)
    (wind,) = seeded("Wind", 0, 10_000, track)
    kfs = wind.keyframes
    assert 2 <= len(kfs) <= 6
    vals = [v for _, v in kfs]
    assert all(b >= a - 0.02 for a, b in zip(vals, vals[1:]))  # rising (noise wobble allowed)
    assert vals[0] < 0.3 and vals[-1] > 0.7
    assert kfs[0][0] == 0 and kfs[-1][0] >= 9_000
    # the envelope follows the level the rules map it from, within a few hundredths
    for t_s in (2.0, 5.0, 8.0):
        expect = (-45 + 3 * t_s + 50) / 40
        assert value_at(kfs, t_s * 1000, wind.intensity) == pytest.approx(expect, abs=0.08)


def test_steady_noise_gets_none():
    track = noise_track(lambda t: np.full_like(t, -25.0), 12.0)
    (wind,) = seeded("Wind", 1_000, 11_000, track)
    assert wind.keyframes == [] and wind.intensity == pytest.approx(0.625, abs=0.02)


def test_rain_swelling_and_fading_keeps_its_peak():
    track = noise_track(lambda t: -45 + 30 * np.exp(-((t - 6) ** 2) / 4), 12.0)
    (rain,) = seeded("Rain", 0, 12_000, track)
    (peak_off, peak), = [k for k in rain.keyframes if k[1] == max(v for _, v in rain.keyframes)]
    assert 5_000 <= peak_off <= 7_000 and peak > rain.keyframes[0][1] + 0.3 and peak > rain.keyframes[-1][1] + 0.3


def test_one_shots_and_short_segments_get_none():
    # a gunshot: loud bang in quiet -> the flash and vibration are one-shots (max_duration_s)
    track = noise_track(lambda t: np.where(np.abs(t - 2.0) < 0.1, -10.0, -50.0), 4.0)
    segs = seeded("Gunshot", 0, 4_000, track)
    assert segs and all(s.keyframes == [] for s in segs)
    # a varying but short wind segment
    track = noise_track(lambda t: -45 + 15 * t, 2.0)
    (wind,) = seeded("Wind", 0, 2_000, track)
    assert wind.keyframes == []


def test_no_audio_and_settings_turn_it_off():
    track = noise_track(lambda t: -45 + 3 * t, 10.0)
    rules = load_rules(DEFAULT_RULES_PATH)
    segs = apply_rules([LabelSegment("Wind", 0, 10_000, 0.8, 0.9)], rules)
    assert seed_keyframes(segs, rules, None)[0].keyframes == []
    off = parse_rules({"keyframes": {"enabled": False}, "rules": {"Wind": [{"effect": "Wind"}]}})
    assert seeded("Wind", 0, 10_000, track, off)[0].keyframes == []
    per_rule = parse_rules({"rules": {"Wind": [{"effect": "Wind", "keyframes": False}]}})
    assert seeded("Wind", 0, 10_000, track, per_rule)[0].keyframes == []
    few = parse_rules({"keyframes": {"max_points": 2}, "rules": {"Wind": [{"effect": "Wind"}]}})
    assert len(seeded("Wind", 0, 10_000, track, few)[0].keyframes) == 2


@pytest.mark.parametrize("body, fragment", [
    ({"keyframes": {"enabled": "yes"}}, "'enabled' must be true or false"),
    ({"keyframes": {"max_points": 1}}, "max_points"),
    ({"keyframes": {"min_range": 2}}, "min_range"),
    ({"keyframes": {"speed": 1}}, "unknown keys"),
    ({"keyframes": []}, "must be an object"),
    ({"rules": {"Wind": [{"effect": "Wind", "keyframes": 1}]}}, "'keyframes' must be true or false"),
])
def test_bad_keyframe_settings_are_named(body, fragment):
    with pytest.raises(RulesError, match=fragment):
        parse_rules({"rules": {}, **body})


def test_simplification_keeps_the_worst_points_first_under_a_cap():
    # flat, then a late bump: a depth-first cap would spend its points on the flat start
    times = list(range(0, 10_000, 100))
    vals = [0.2 + (0.6 if 8_000 <= t < 9_000 else 0.0) + 0.01 * np.sin(t) for t in times]
    kfs = from_samples(times, vals, 0, 10_000, tolerance=0.05, max_points=4)
    assert len(kfs) == 4 and max(v for _, v in kfs) > 0.7
