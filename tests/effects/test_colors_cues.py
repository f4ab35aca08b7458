"""ColorCS names, LocationCS terms, and the light-colour / flash cues on generated video."""

import numpy as np
import pytest
from videogen import solid, three_colour_frame, write_media

from mulse_author.effects.cues import CueSettings, ThirdsColourBins, flash_cues, light_cues
from mulse_author.media.decode import stream_media
from mulse_author.mpegv.colors import COLOR_TERMS, _srgb_to_lab, color_term, nearest_color_term, srgb_to_lab_array
from mulse_author.mpegv.schemes import is_location_term, is_scent_term


def test_colour_terms_and_nearest():
    assert COLOR_TERMS["red"] == (255, 0, 0) and COLOR_TERMS["orange_web"] == (255, 165, 0)
    assert len(COLOR_TERMS) > 300
    for name, rgb in list(COLOR_TERMS.items())[::17]:
        # a term's own RGB maps to itself or to a term with the very same RGB
        assert COLOR_TERMS[nearest_color_term(rgb)] == rgb, name
    assert nearest_color_term((250, 250, 250)) in ("white", "cosmic_latte", "ivory", "seashell", "magnolia")
    assert color_term("orange") == "orange_web"
    assert color_term("urn:mpeg:mpeg-v:01-SI-ColorCS-NS:teal") == "teal"
    with pytest.raises(KeyError, match="ColorCS"):
        color_term("blurple")


def test_location_and_scent_terms():
    assert is_location_term("left:*:front") and is_location_term("*:*:*")
    assert not is_location_term("middle:left:front") and not is_location_term("left:front")
    assert is_scent_term("sea_breeze") and not is_scent_term("sea")


def _decode_stats(path):
    """(native frame times, luma) and (sampled frame times, thirds) from one decode pass."""
    lt, luma, ft, thirds = [], [], [], []
    for ch in stream_media(path):
        lt.append(ch.luma_times)
        luma.append(ch.luma)
        ft.append(ch.frame_times)
        thirds.append(ch.thirds)
    return np.concatenate(lt), np.concatenate(luma), np.concatenate(ft), np.concatenate(thirds)


def test_light_cue_on_three_colour_video(tmp_path):
    # 0-3 s: red | green | blue; 3-6 s: white | orange | black
    def frame(i, t):
        if t < 3:
            return three_colour_frame((255, 0, 0), (0, 255, 0), (0, 0, 255))
        return three_colour_frame((255, 255, 255), (255, 140, 0), (0, 0, 0))

    p = write_media(tmp_path / "c.mp4", 6.0, frame)
    _, _, t, th = _decode_stats(p)
    bins = ThirdsColourBins(0.5)
    bins.add_many(t, th)
    segs = light_cues(*bins.bins(), 6.0)
    by_loc = {}
    for s in segs:
        by_loc.setdefault(s.location, []).append((s.start_ms, s.end_ms, s.color))
    assert by_loc["left:*:front"] == [(0, 3000, "red"), (3000, 6000, "white")]
    assert [c for *_, c in by_loc["center:*:front"]][0] in ("electric_green_x11_green", "green_color_wheel_x11_green",
                                                             "lime_web_x11_green")
    assert by_loc["center:*:front"][1][2].startswith(("orange", "dark_orange", "tangerine", "safety_orange"))
    # the black right third in 3-6 s gives no light
    assert by_loc["right:*:front"] == [(0, 3000, "blue")]


def test_flash_on_generated_video_and_cut_is_not_a_flash(tmp_path):
    def frame(i, t):
        if 50 <= i < 53:  # 2.0-2.12 s: a white flash
            return solid((255, 255, 255))
        if t >= 4.0:  # a cut to a bright shot: not a flash
            return solid((230, 230, 230))
        return solid((30, 30, 40))

    p = write_media(tmp_path / "f.mp4", 6.0, frame)
    t, y, _, _ = _decode_stats(p)
    segs = flash_cues(t, y, 6.0)
    assert len(segs) == 1
    f = segs[0]
    assert f.effect == "Flash" and abs(f.start_ms - 2000) <= 40 and 100 <= f.duration_ms <= 200
    assert f.intensity > 0.9


def test_flash_burst_merges_and_threshold_matters():
    t = np.arange(0, 5, 0.04)
    y = np.full(len(t), 0.1)
    y[[50, 52]] = 0.8  # two flashes 80 ms apart: one burst
    y[100] = 0.25  # a small rise below min_jump
    assert len(flash_cues(t, y, 5.0)) == 1
    assert len(flash_cues(t, y, 5.0, CueSettings(merge_flash_s=0.01))) == 2
    assert len(flash_cues(t, y, 5.0, CueSettings(min_jump=0.1, merge_flash_s=0.01))) == 3


def test_short_bright_excursion_does_not_split_a_light_segment():
    starts = np.arange(0, 10, 0.5)
    cols = np.tile(np.array([0.2, 0.3, 0.6]), (len(starts), 3, 1))
    cols[8] = 1.0  # one bin lit by a flash
    segs = light_cues(starts, cols, 10.0)
    assert [(s.start_ms, s.end_ms) for s in segs] == [(0, 10000)] * 3
    cols[10:] = np.array([0.9, 0.5, 0.1])  # a real change of shot still splits
    assert len(light_cues(starts, cols, 10.0)) == 6


def test_nearest_term_over_all_terms_equals_the_explicit_search():
    """The vectorised search over every term gives what the per-term loop gives (ties included)."""
    from mulse_author.mpegv.colors import COLOR_TERMS, nearest_color_term

    rng = np.random.default_rng(5)
    colours = [tuple(c) for c in rng.uniform(0, 255, (300, 3))]
    colours += [rgb for rgb in list(COLOR_TERMS.values())[:50]]  # exact terms: distance 0 ties
    for rgb in colours:
        assert nearest_color_term(rgb) == nearest_color_term(rgb, candidates=list(COLOR_TERMS))


@pytest.mark.parametrize("n,nb", [(1, 5), (2, 5), (5, 5), (6, 5), (100, 7), (20000, 25)])
def test_preceding_medians_equal_one_median_per_frame(n, nb):
    from mulse_author.effects.cues import preceding_medians

    y = np.random.default_rng(n).uniform(0, 1, n)
    got = preceding_medians(y, nb, block=4096)
    assert np.isnan(got[0])
    want = [float(np.median(y[max(0, i - nb):i])) for i in range(1, n)]
    assert np.array_equal(got[1:], np.array(want))


def test_lab_array_equals_the_scalar_conversion():
    """The vectorised sRGB -> L*a*b* (light cues' change points) is the scalar formula."""
    rng = np.random.default_rng(2)
    rgb = np.concatenate([rng.uniform(-10, 265, (500, 3)), [[0, 0, 0], [255, 255, 255], [10, 2, 1]]])
    got = srgb_to_lab_array(rgb)
    want = np.array([_srgb_to_lab(c) for c in rgb])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    assert got.shape == (len(rgb), 3)
