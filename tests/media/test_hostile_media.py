"""Media that is not a plain file, cut short or oddly rotated: clear messages, never a hang."""

from __future__ import annotations

import os
import threading

import pytest
from media_factory import make_media

from mulse_author.errors import MediaError
from mulse_author.media import compute_peaks, load_audio, probe, stream_media


def _bounded(fn, seconds=20.0):
    """Run ``fn`` in a thread; a hang fails the test instead of blocking the suite."""
    box = {}

    def work():
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the test
            box["error"] = e
    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"did not finish within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "/dev/null"])
@pytest.mark.parametrize("call", [probe, load_audio, stream_media, compute_peaks])
def test_fifo_and_devices_are_refused(tmp_path, what, call):
    path = tmp_path / "pipe.mp4" if what == "fifo" else what
    if what == "fifo":
        os.mkfifo(path)
    with pytest.raises(MediaError, match="not a regular file") as e:
        _bounded(lambda: list(call(path)) if call is stream_media else call(path))
    assert "empty" not in str(e.value)


def test_a_file_cut_at_90_percent_gets_a_note_and_its_decoded_length(tmp_path):
    p = make_media(tmp_path / "full.mkv", 20.0, profile="mkv", size=(96, 64))
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(p.read_bytes()[: int(p.stat().st_size * 0.9)])
    assert probe(cut).duration_s == pytest.approx(20.0, abs=0.05)  # the header's word
    s = stream_media(cut)
    audio = sum(len(c.audio) for c in s)
    assert s.stats.truncated_at_s == pytest.approx(audio / 22050, abs=0.1) and s.stats.truncated_at_s < 19.5
    assert any("truncated" in w and "cut.mkv" in w for w in s.stats.warnings)
    whole = stream_media(p)
    list(whole)
    assert whole.stats.truncated_at_s is None and not whole.stats.warnings


def test_a_45_degree_rotation_is_reported(tmp_path):
    p = make_media(tmp_path / "r.mp4", 1.0, rotation=45)
    assert any("rotation 45" in w for w in probe(p).warnings)
    s = stream_media(p)
    list(s)
    assert any("rotation 45" in w for w in s.stats.warnings)
