"""Every channel layout decodes, to the right mono level, in a subprocess so that a crash in
FFmpeg/PyAV (the 7.1 segfault of PyAV 18) fails one test instead of killing pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import av
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from layout_media import CODECS, make_layout_audio

_DECODE = r"""
import json, sys
import numpy as np
from mulse_author.media import compute_peaks, load_audio, probe, stream_media
p = sys.argv[1]
info = probe(p)
y = load_audio(p)
s = stream_media(p, chunk_s=0.5)
z = np.concatenate([c.audio for c in s])
pk = compute_peaks(p)
mid = y[len(y) // 4: -len(y) // 4]
print(json.dumps(dict(channels=info.audio_channels, n=len(y), n_stream=len(z),
                      equal=bool(np.array_equal(y, z[:len(y)])), level=float(np.sqrt(2 * np.mean(mid ** 2))),
                      peak=float(pk.maxs.max()), video=info.has_video)))
"""


def decode_in_subprocess(path, timeout=60) -> dict:
    r = subprocess.run([sys.executable, "-c", _DECODE, str(path)], capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, f"decoder exited {r.returncode}: {r.stderr[-2000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("layout,channels,rate,suffix", [
    ("7.1", 8, 48000, ".flac"), ("7.1", 8, 48000, ".m4a"), ("7.1", 8, 44100, ".wav"),
    ("7.1(wide)", 8, 48000, ".flac"), ("5.1(side)", 6, 48000, ".flac"), ("5.1", 6, 48000, ".m4a"),
    ("hexadecagonal", 16, 48000, ".wav"), ("hexadecagonal", 16, 48000, ".mka"),
    ("mono", 1, 8000, ".flac"), ("mono", 1, 192000, ".wav"), ("stereo", 2, 96000, ".flac"),
    ("7.1", 8, 48000, ".ogg"),
])
def test_layout_decodes_to_mono(tmp_path, layout, channels, rate, suffix):
    p = make_layout_audio(tmp_path / f"a{suffix}", layout, rate=rate, level=0.4)
    got = decode_in_subprocess(p)
    assert got["channels"] == channels
    assert abs(got["n"] - 22050) <= 0.03 * 22050 and got["equal"]
    # AAC low-passes the LFE channel (440 Hz is gone there): the mean of 8 is 7/8 of the tone
    lfe = 1 if (suffix == ".m4a" and "." in layout) else 0
    assert got["level"] == pytest.approx(0.4 * (channels - lfe) / channels, rel=0.04)
    assert 0.3 < got["peak"] <= 1.0


def test_video_with_a_7_1_soundtrack(tmp_path):
    p = make_layout_audio(tmp_path / "v.mkv", "7.1", video=True, seconds=2.0)
    got = decode_in_subprocess(p)
    assert got["video"] and got["channels"] == 8
    assert got["level"] == pytest.approx(0.4, rel=0.04)


_LAYOUTS = ["mono", "stereo", "2.1", "3.0", "quad", "4.0", "5.0", "5.1", "5.1(side)", "6.1", "7.0", "7.1",
            "7.1(wide)", "7.1(wide-side)", "octagonal", "hexadecagonal"]
_RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 192000]


@settings(max_examples=4 if os.environ.get("CI") else 10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(_LAYOUTS), st.sampled_from(_RATES), st.sampled_from(sorted(CODECS) + [".mkv"]),
       st.floats(0.3, 1.0))
def test_any_layout_rate_and_container(tmp_path_factory, layout, rate, suffix, seconds):
    """Generated media of any layout, rate and container: decodes to the tone's level or is
    refused with a MediaError, never a crash (the decode runs in a subprocess)."""
    path = tmp_path_factory.mktemp("any") / f"a{suffix}"
    try:
        make_layout_audio(path, layout, rate=rate, seconds=seconds, video=suffix == ".mkv")
    except (av.error.FFmpegError, ValueError):
        assume(False)  # the encoder does not take this layout / rate
    r = subprocess.run([sys.executable, "-c", _DECODE, str(path)], capture_output=True, text=True, timeout=60)
    if r.returncode and "MediaError" in r.stderr:
        return
    assert r.returncode == 0, f"{layout} {rate} Hz {suffix}: exit {r.returncode}: {r.stderr[-1500:]}"
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["channels"] == av.AudioLayout(layout).nb_channels
    assert abs(got["n"] - seconds * 22050) <= 0.05 * 22050 + 2048
