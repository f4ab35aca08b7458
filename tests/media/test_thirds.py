"""The thirds colours read from the YUV planes on a sparse grid (_ThirdsMeter) are the mean colours
of the picture's thirds, for each matrix, range, chroma layout and rotation, and agree with the
swscale AREA conversion the sampler used before."""

from __future__ import annotations

import av
import numpy as np
import pytest

from mulse_author.media.decode import DecodeStats, _FrameSampler, _thirds_grid, _ThirdsMeter


def _picture(h: int = 360, w: int = 640, seed: int = 0) -> np.ndarray:
    """Three coloured bands with a gradient, grain and a saturated band (a sparse grid estimates
    the mean of natural pictures; a line a few pixels thin could fall between its rows)."""
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.float64)
    a, b = w // 3, 2 * w // 3
    img[:, :a] = (220, 40, 30)
    img[:, a:b] = (30, 200, 60)
    img[:, b:] = (40, 60, 230)
    img[: h // 2] *= np.linspace(0.4, 1.0, w)[None, :, None]  # a gradient in the top half
    img += rng.normal(0, 12, (h, w, 1))
    img[h // 3: h // 2] = (255, 0, 255)  # a saturated band
    return np.clip(img, 0, 255).astype(np.uint8)


_SPACES = {"ITU709": 1, "ITU601": 5}  # AVColorSpace numbers (BT.709, BT.470BG = BT.601)


def _frame(rgb: np.ndarray, fmt: str, colorspace: str | None = None, full: bool = False):
    f = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    kw = {}
    if colorspace:
        kw["dst_colorspace"] = colorspace
    if full:
        kw["dst_color_range"] = "JPEG"
    out = f.reformat(format=fmt, **kw)
    if colorspace:
        out.colorspace = _SPACES[colorspace]
    if full and not fmt.startswith("yuvj"):
        out.color_range = 2
    return out


def _true_thirds(rgb: np.ndarray, rotation: int = 0) -> np.ndarray:
    """Mean colour in [0, 1] of the left / centre / right thirds of the RGB picture as displayed."""
    rgb = np.rot90(rgb, k=(rotation // 90) % 4).astype(np.float64)
    w = rgb.shape[1]
    edges = [0, round(w / 3), round(2 * w / 3), w]
    return np.stack([rgb[:, a:b].reshape(-1, 3).mean(0) for a, b in zip(edges, edges[1:])]) / 255.0


def _area_thirds(frame, rotation: int = 0) -> np.ndarray:
    """What the sampler computed before: the picture scaled with AREA to 96x96 rgb24 (swscale,
    the frame's own matrix and range), rotated as displayed, one mean per third."""
    kw = {}
    if int(frame.color_range or 0) == 2:
        kw["src_color_range"] = "JPEG"
    rgb = frame.reformat(width=96, height=96, format="rgb24", interpolation="AREA", **kw).to_ndarray()
    rgb = np.rot90(rgb, k=(rotation // 90) % 4)
    return rgb.reshape(96, 3, 32, 3).mean(axis=(0, 2)) / 255.0


@pytest.mark.parametrize("fmt", ["yuv420p", "yuv422p", "yuv444p", "yuvj420p"])
@pytest.mark.parametrize("colorspace", [None, "ITU709"])
def test_grid_gives_the_mean_colours_of_the_thirds(fmt, colorspace):
    rgb = _picture()
    frame = _frame(rgb, fmt, colorspace)
    got = _ThirdsMeter()(frame, 0)
    assert got is not None and got.shape == (3, 3) and got.dtype == np.float32
    # measured: within 0.010 of the truth, the AREA conversion within 0.013 (4:2:0 chroma at the
    # edges of saturated areas is where both lose a little)
    np.testing.assert_allclose(got, _true_thirds(rgb), atol=3 / 255)
    np.testing.assert_allclose(got, _area_thirds(frame), atol=5 / 255)


def test_full_range_flag_on_a_limited_pixel_format():
    rgb = _picture(seed=1)
    frame = _frame(rgb, "yuv420p", full=True)
    assert int(frame.color_range) == 2
    got = _ThirdsMeter()(frame, 0)
    np.testing.assert_allclose(got, _true_thirds(rgb), atol=3 / 255)
    # read as limited range it would be visibly wrong: the flag is what makes it right
    frame.color_range = 1
    assert np.abs(_ThirdsMeter()(frame, 0) - got).max() > 10 / 255


def test_the_matrix_follows_the_tag():
    """The same bytes tagged BT.601 or BT.709 give different colours, each matching swscale."""
    rgb = _picture(seed=2)
    frame = _frame(rgb, "yuv420p", "ITU709")
    as709 = _ThirdsMeter()(frame, 0)
    np.testing.assert_allclose(as709, _true_thirds(rgb), atol=3 / 255)
    frame.colorspace = _SPACES["ITU601"]
    as601 = _ThirdsMeter()(frame, 0)
    assert np.abs(as709 - as601).max() > 5 / 255


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_thirds_are_those_of_the_displayed_picture(rotation):
    rgb = _picture(300, 480, seed=3)
    frame = _frame(rgb, "yuv420p")
    meter = _ThirdsMeter()
    got = meter(frame, rotation)
    np.testing.assert_allclose(got, _true_thirds(rgb, rotation), atol=3 / 255)
    if rotation == 180:  # upside down: the same thirds, right to left (the grid is symmetric)
        np.testing.assert_allclose(got, meter(frame, 0)[::-1], atol=1e-6)
    if rotation == 270:  # 90 degrees the other way: the thirds of the 90 case, reversed
        np.testing.assert_allclose(got, meter(frame, 90)[::-1], atol=1e-6)


def test_grid_positions_split_into_equal_thirds():
    for n in (1, 2, 47, 48, 720, 1080, 4096):
        g = _thirds_grid(n)
        assert len(g) % 3 == 0 and g.min() >= 0 and g.max() < n
        assert np.all(np.diff(g) >= 0)
        assert np.abs(g + g[::-1] - (n - 1)).max() <= 1  # mirror-symmetric up to rounding


def test_other_pixel_formats_fall_back_to_swscale():
    rgb = _picture(96, 192)
    for fmt in ("rgb24", "nv12", "yuv420p10le"):
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=fmt)
        assert _ThirdsMeter()(frame, 0) is None
        sampler = _FrameSampler(DecodeStats(), 0, 3.2, 0, True)
        _, th = sampler._convert(frame)
        np.testing.assert_allclose(th, _true_thirds(rgb), atol=4 / 255)
