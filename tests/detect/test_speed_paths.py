"""The analysis pass's faster code paths give exactly what the straightforward code gives."""

import av
import numpy as np
import pytest

from mulse_author.media.decode import LUMA_ROWS, _luma_rows, mean_luma


@pytest.mark.parametrize("height", [1, 2, 15, 16, 17, 31, 32, 33, 47, 720, 1080, 2160])
def test_luma_rows_are_evenly_spread_and_centred(height):
    rows = np.arange(height)[_luma_rows(height)]
    assert len(rows) == min(height, LUMA_ROWS) and rows.min() >= 0 and rows.max() < height
    if height > LUMA_ROWS:
        assert len(set(np.diff(rows))) == 1  # equal spacing
        assert abs(rows[0] - (height - 1 - rows[-1])) <= 1  # centred


@pytest.mark.parametrize("size", [(322, 182), (640, 360), (98, 50), (64, 12), (1280, 720)])
@pytest.mark.parametrize("fmt", ["yuv420p", "yuvj420p", "yuv420p10le"])
def test_mean_luma_matches_reference(size, fmt):
    """Exactly the float mean of the sampled rows, range and bit depth applied."""
    w, h = size
    rgb = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=fmt)
    plane = frame.planes[0]
    deep = fmt.endswith("10le")
    dtype = np.uint16 if deep else np.uint8
    y = np.frombuffer(plane, dtype).reshape(-1, plane.line_size // np.dtype(dtype).itemsize)
    m = float(y[:h][_luma_rows(h), :w].mean()) / (4.0 if deep else 1.0)
    want = m / 255.0 if fmt == "yuvj420p" else (m - 16.0) / 219.0
    assert mean_luma(frame) == min(max(want, 0.0), 1.0)


def test_mean_luma_follows_the_picture():
    """Black, mid grey and white frames read 0, about 0.5 and 1 (limited range mapped)."""
    for level, want in ((0, 0.0), (128, 0.5), (255, 1.0)):
        rgb = np.full((72, 128, 3), level, np.uint8)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        assert abs(mean_luma(frame) - want) < 0.02


def test_mel_filter_bank_is_librosas_without_importing_it():
    import subprocess
    import sys

    import librosa

    from mulse_author.features.mel import _slaney_mel_bank

    ours = _slaney_mel_bank()
    ref = librosa.filters.mel(sr=22050, n_fft=1024, n_mels=60)
    assert ours.dtype == ref.dtype and np.array_equal(ours, ref)
    # the analysis path computes mel frames without paying librosa's import (about 1 s)
    code = ("import sys, numpy as np; from mulse_author.features.mel import StreamingLogMel;"
            "m = StreamingLogMel(precise=False); m.push(np.zeros(22050, np.float32)); m.finish();"
            "print('librosa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _decode_threads():
    import threading

    return [t for t in threading.enumerate() if t.name == "mulse-decode" and t.is_alive()]


def test_stream_closed_early_stops_its_decode_thread(tmp_path):
    from videogen import noise_audio, solid, write_media

    from mulse_author.media.decode import stream_media

    path = write_media(tmp_path / "v.mp4", 12.0, lambda i, t: solid((200, 100, 50)), noise_audio(0.1))
    before = len(_decode_threads())
    stream = stream_media(path, chunk_s=1.0)
    first = next(stream)
    assert len(first.audio) and len(_decode_threads()) == before + 1
    stream.close()
    assert len(_decode_threads()) == before
    # a complete pass leaves no thread either, and gives the same data as a second pass
    a = list(stream_media(path, chunk_s=1.0))
    b = list(stream_media(path, chunk_s=3.0))
    assert len(_decode_threads()) == before
    for name in ("audio", "frames", "thirds", "luma"):
        assert np.array_equal(np.concatenate([getattr(c, name) for c in a]),
                              np.concatenate([getattr(c, name) for c in b]))
    # without the 32x32 frames (audio-only models) everything else is the same
    c = list(stream_media(path, chunk_s=1.0, frames=False))
    assert sum(len(x.frames) for x in c) == 0 and c[0].frames.shape[1:] == (32, 32, 3)
    for name in ("audio", "thirds", "luma", "frame_times", "frame_index"):
        assert np.array_equal(np.concatenate([getattr(x, name) for x in a]),
                              np.concatenate([getattr(x, name) for x in c]))


def test_threaded_decoder_gives_the_same_pictures(tmp_path):
    """The analysis decoder (frame threads, at least MIN_DECODE_THREADS) yields, frame for frame,
    the pictures a one-thread decoder yields."""
    from videogen import noise_audio, write_media

    from mulse_author.media.decode import MIN_DECODE_THREADS, configure_video_decoder

    rng = np.random.default_rng(4)
    path = write_media(tmp_path / "v.mp4", 4.0,
                       lambda i, t: rng.integers(0, 256, (72, 96, 3), dtype=np.uint8),
                       noise_audio(0.1))

    def planes(threaded: bool):
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            if threaded:
                configure_video_decoder(s)
                assert s.codec_context.thread_count >= MIN_DECODE_THREADS
            else:
                s.codec_context.thread_count = 1
            return [(f.pts, f.to_ndarray(format="yuv420p")) for f in c.decode(s)]

    one, many = planes(False), planes(True)
    assert len(one) == len(many) == 100
    for (p1, a), (p2, b) in zip(one, many):
        assert p1 == p2 and np.array_equal(a, b)


def test_decode_thread_batches_keep_order_and_bound_the_pixels():
    """Packets reach the caller in demux order, in lists of at most ``batch`` packets, and a list
    is handed over as soon as its pictures reach ``batch_pixels``."""
    import threading

    from mulse_author.media.decode import _DecodeThread

    class Stream:
        def __init__(self, kind):
            self.type = kind

    class Frame:
        width, height = 100, 10  # 1 000 pixels

    class Packet:
        def __init__(self, i):
            self.i, self.stream = i, Stream("video" if i % 3 == 0 else "audio")

        def decode(self):
            return [Frame()] if self.stream.type == "video" else ["a"]

    lists = []

    class Recording(_DecodeThread):
        def _put(self, item):
            if isinstance(item, list):
                lists.append([stream.type for stream, _, _ in item])
            return super()._put(item)

    d = Recording((Packet(i) for i in range(100)), batch=8, batch_pixels=2_500, queued=1)
    seen = [stream.type for stream, frames, error in d]
    d.stop()
    assert seen == ["video" if i % 3 == 0 else "audio" for i in range(100)]
    assert [t for lst in lists for t in lst] == seen
    assert max(len(lst) for lst in lists) == 8  # the packet bound
    assert max(lst.count("video") for lst in lists) == 3  # 3 000 pixels >= 2 500 end a list
    assert any(len(lst) < 8 and lst[-1] == "video" for lst in lists[:-1])  # ended by pixels
    assert not [t for t in threading.enumerate() if t.name == "mulse-decode" and t.is_alive()]
