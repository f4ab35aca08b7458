"""Effect rules: the bundled file, user overrides, bad files, and applying rules."""

import json

import numpy as np
import pytest

from mulse_author.detect.label_segment import LabelSegment
from mulse_author.detect.loudness import LoudnessTrack
from mulse_author.document import Source
from mulse_author.effects.rules import (
    DEFAULT_RULES_PATH,
    LoudnessMap,
    RulesError,
    apply_rules,
    load_rules,
    parse_rules,
)


def test_bundled_rules_have_issue_defaults():
    r = load_rules(DEFAULT_RULES_PATH)
    eff = {lab: [x.effect for x in r.for_label(lab)] for lab in r.rules}
    assert eff["Wind"] == ["Wind"]
    assert eff["Thunder"] == ["Flash", "Vibration"]
    assert eff["Rain"] == ["Spraying"]
    assert eff["Ocean"] == ["Wind", "Spraying", "Scent"]
    assert eff["Fire"] == ["Temperature", "Light"]
    assert eff["Explosion"] == ["Flash", "Vibration", "Temperature"]
    assert eff["Gunshot"] == ["Flash", "Vibration"]
    assert r.for_label("Fire")[1].color.startswith("orange")
    assert r.for_label("Gunshot")[0].max_duration_s <= 0.5


def test_user_config_overrides_bundled(tmp_path, monkeypatch):
    cfg = tmp_path / "mulse-author"
    cfg.mkdir()
    (cfg / "effect_rules.json").write_text(json.dumps({"rules": {"fire": [{"effect": "heat"}]}}))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    r = load_rules()
    assert [x.effect for x in r.for_label("Fire")] == ["Temperature"]
    assert r.for_label("Wind") == []


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        (json.dumps({"rules": {"Lava": []}}), "unknown scene label 'Lava'"),
        (json.dumps({"rules": {"Fire": [{"effect": "Teleport"}]}}), "rules.Fire[0]"),
        (json.dumps({"rules": {"Fire": [{"effect": "Light", "color": "glowing"}]}}), "ColorCS"),
        (json.dumps({"rules": {"Ocean": [{"effect": "Scent", "scent": "sea"}]}}), "ScentCS"),
        (json.dumps({"rules": {"Wind": [{"effect": "Wind", "location": "up:down"}]}}), "LocationCS"),
        (json.dumps({"rules": {"Wind": [{"effect": "Wind", "intensity": 3}]}}), "out of range"),
        (json.dumps({"rules": {"Wind": [{"effect": "Wind", "speed": 3}]}}), "unknown keys"),
        (json.dumps({"rules": {"Wind": [{"effect": "Wind", "max_duration_s": 0}]}}), "out of range"),
        (json.dumps({"rules": {}, "loudness": {"floor_db": -10, "ceil_db": -20}}), "above floor_db"),
        (json.dumps({"version": 7, "rules": {}}), "version"),
    ],
)
def test_bad_rules_files_give_clear_errors(tmp_path, body, fragment):
    p = tmp_path / "rules.json"
    p.write_text(body)
    with pytest.raises(RulesError) as err:
        load_rules(p)
    assert fragment in str(err.value)
    assert str(p) in str(err.value)


def test_missing_rules_file(tmp_path):
    with pytest.raises(RulesError, match="not found"):
        load_rules(tmp_path / "nope.json")


def test_alias_colour_is_normalised():
    r = parse_rules({"rules": {"Fire": [{"effect": "Light", "color": "orange"}]}})
    assert r.for_label("Fire")[0].color == "orange_web"


def test_loudness_map():
    m = LoudnessMap(-50, -10)
    assert m.intensity(-60) == 0 and m.intensity(0) == 1
    assert m.intensity(-30) == pytest.approx(0.5)


def _track(levels_db, seconds_each=1.0, sr=22050):
    t = LoudnessTrack(sr, 512)
    rng = np.random.default_rng(0)
    for db in levels_db:
        n = int(sr * seconds_each)
        sine = np.sin(2 * np.pi * 440 * np.arange(n) / sr) * np.sqrt(2) * 10 ** (db / 20)
        t.feed(sine + rng.normal(0, 1e-6, n))
    t.finish()
    return t


def test_loudness_track_levels_and_peak():
    t = _track([-40, -40, -12, -40])
    assert t.level_db(0, 2) == pytest.approx(-40, abs=0.2)
    assert t.level_db(2, 3) == pytest.approx(-12, abs=0.2)
    assert 2.0 <= t.peak_s(0, 4) <= 3.0


def test_apply_rules_intensity_follows_loudness_and_flash_is_short():
    rules = load_rules(DEFAULT_RULES_PATH)
    t = _track([-45] * 3 + [-12] + [-45] * 6)
    quiet = LabelSegment("Gunshot", 0, 3000, 0.7, 0.8)
    loud = LabelSegment("Gunshot", 1000, 10000, 0.9, 0.95)
    segs = apply_rules([quiet, loud], rules, t.level_db, t.peak_s)
    flashes = [s for s in segs if s.effect == "Flash"]
    assert len(flashes) == 2
    for f in flashes:
        assert f.duration_ms == 200 and f.source is Source.SUGGESTED and f.label == "Gunshot"
    loud_flash = flashes[1]
    assert 3000 <= loud_flash.start_ms and loud_flash.end_ms <= 4000  # at the bang
    assert loud_flash.intensity > flashes[0].intensity
    assert loud_flash.confidence == pytest.approx(0.9)


def test_apply_rules_without_audio_uses_default_intensity():
    rules = parse_rules({"default_intensity": 0.4,
                         "rules": {"Rain": [{"effect": "Spraying", "intensity_scale": 0.5,
                                             "spraying_type": "water"}]}})
    (seg,) = apply_rules([LabelSegment("Rain", 0, 5000, 0.6, 0.7)], rules)
    assert seg.intensity == pytest.approx(0.2)
    assert seg.attrs == {"sprayingType": "water"}
    assert (seg.start_ms, seg.end_ms) == (0, 5000)
