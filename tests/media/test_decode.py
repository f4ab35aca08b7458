"""Probe and one-pass decode on PyAV-generated files."""

from __future__ import annotations

import numpy as np
import pytest
from media_factory import make_audio, make_media, solid, thirds, tone

from mulse_author.errors import MediaError
from mulse_author.media import decode_only, load_audio, probe, stream_media
from mulse_author.media.decode import sample_time
from mulse_author.spec import SAMPLE_RATE as SR


def run(path, **kw):
    s = stream_media(path, **kw)
    chunks = list(s)
    cat = lambda name: np.concatenate([getattr(c, name) for c in chunks])  # noqa: E731
    return s, chunks, cat


def check_audio_contiguous(chunks):
    pos = 0
    for c in chunks:
        assert c.audio_start == pos and c.audio.dtype == np.float32
        pos += len(c.audio)
    return pos


def tone_level(y, f=440.0, sr=SR):
    """Amplitude of a sinusoid at f in y (least squares fit)."""
    t = np.arange(len(y)) / sr
    basis = np.stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)], 1)
    coef, *_ = np.linalg.lstsq(basis, y.astype(np.float64), rcond=None)
    return float(np.hypot(*coef))


# --- probing ---------------------------------------------------------------------------------

def test_probe_mp4(tmp_path):
    p = make_media(tmp_path / "a.mp4", 2.0, fps=25, size=(64, 48), audio_rate=44100)
    info = probe(p)
    assert info.has_audio and info.has_video
    assert info.duration_s == pytest.approx(2.0, abs=0.05)
    assert (info.width, info.height, info.fps) == (64, 48, 25.0)
    assert (info.audio_rate, info.audio_channels, info.video_codec) == (44100, 1, "h264")


@pytest.mark.parametrize("content", [b"", b"hello, I am a text file\n" * 50, bytes(range(256)) * 40])
def test_not_media(tmp_path, content):
    p = tmp_path / "x.mp4"
    p.write_bytes(content)
    with pytest.raises(MediaError, match="x.mp4"):
        probe(p)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(MediaError, match="not found"):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(MediaError, match="folder"):
        probe(tmp_path)


def test_truncated_mp4_fails_clearly(tmp_path):
    p = make_media(tmp_path / "a.mp4", 3.0)
    data = p.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # moov (the index) is at the end: gone
    with pytest.raises(MediaError, match="cut.mp4"):
        probe(cut)


def test_truncated_mkv_fails_clearly(tmp_path):
    p = make_media(tmp_path / "a.mkv", 6.0, profile="mkv", size=(96, 64))
    data = p.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaError, match="cut.mkv"):
        list(stream_media(cut))
    # non-strict mode decodes what is there and says so
    s = stream_media(cut, strict=False)
    list(s)
    assert s.stats.warnings and s.stats.video_decoded > 0


def test_stream_without_packets_is_rejected(tmp_path):
    p = make_media(tmp_path / "empty.mkv", 0.0, profile="mkv", audio_rate=None)
    with pytest.raises(MediaError, match="empty.mkv"):
        probe(p)


# --- sampling of video frames ---------------------------------------------------------------

def test_ten_second_clip_gives_32_frames(tmp_path):
    p = make_media(tmp_path / "ten.mp4", 10.0, fps=25, audio_rate=44100)
    s, chunks, cat = run(p, chunk_s=3.0)
    assert len(chunks) > 2  # really streamed
    frames, idx, times = cat("frames"), cat("frame_index"), cat("frame_times")
    assert frames.shape == (32, 32, 32, 3) and frames.dtype == np.float32
    assert 0.0 <= frames.min() and frames.max() <= 1.0
    np.testing.assert_array_equal(idx, np.arange(32))
    np.testing.assert_allclose(times, (np.arange(32) + 0.5) / 3.2)
    assert len(cat("luma")) == 250 == s.stats.video_decoded
    np.testing.assert_allclose(cat("luma_times"), np.arange(250) / 25, atol=1e-6)
    n = check_audio_contiguous(chunks)
    assert abs(n - 10 * SR) < 0.03 * SR  # AAC pads its last frame


def test_sampled_frame_is_the_one_shown(tmp_path):
    """Variable frame rate: frame i has grey level 40*i; each sample time picks the last frame
    whose PTS <= t."""
    times = [0.0, 0.1, 0.15, 0.5, 0.9, 1.0]
    grey = lambda i, t, w, h: np.full((h, w, 3), 40 * i, np.uint8)  # noqa: E731
    p = make_media(tmp_path / "vfr.mp4", vfr_times=times, draw=grey, audio_rate=None,
                   pix_fmt="yuv444p")
    s, chunks, cat = run(p)
    t = cat("frame_times")
    shown = [max(i for i, ft in enumerate(times) if ft <= x) for x in t]
    assert list(t) == pytest.approx(list(sample_time(np.arange(4))))  # ends at 1.0 + 0.1 s
    levels = cat("frames").mean(axis=(1, 2, 3)) * 255
    np.testing.assert_allclose(levels, [40 * i for i in shown], atol=3)
    np.testing.assert_allclose(cat("luma_times"), times, atol=1e-3)


def test_very_short_video(tmp_path):
    p = make_media(tmp_path / "short.mp4", 0.5, fps=30, audio_rate=48000)
    s, chunks, cat = run(p)
    assert list(cat("frame_index")) == [0, 1]  # 0.156 s and 0.469 s
    assert len(cat("luma")) == 15
    assert abs(check_audio_contiguous(chunks) - 0.5 * SR) < 0.05 * SR


@pytest.mark.parametrize("size", [(33, 17), (1, 1)])
def test_odd_resolutions(tmp_path, size):
    p = make_media(tmp_path / "odd.mkv", 1.0, profile="mkv", size=size, draw=solid((200, 30, 90)),
                   audio_rate=None, pix_fmt="yuv444p", video_codec="libx264")
    info = probe(p)
    assert (info.width, info.height) == size
    s, chunks, cat = run(p)
    frames = cat("frames")
    assert frames.shape == (3, 32, 32, 3)
    np.testing.assert_allclose(frames.mean(axis=(0, 1, 2)) * 255, [200, 30, 90], atol=8)


def test_thirds_colours(tmp_path):
    left, centre, right = (230, 20, 20), (20, 220, 30), (30, 40, 220)
    p = make_media(tmp_path / "thirds.mp4", 1.0, size=(192, 96), draw=thirds(left, centre, right),
                   audio_rate=None, pix_fmt="yuv444p")
    s, chunks, cat = run(p)
    th = cat("thirds")
    assert th.shape == (3, 3, 3)
    np.testing.assert_allclose(th.mean(axis=0) * 255, [left, centre, right], atol=8)
    # the 32x32 frame shows the same layout
    f = cat("frames")[0]
    assert f[:, :8].mean(axis=(0, 1)).argmax() == 0 and f[:, -8:].mean(axis=(0, 1)).argmax() == 2


def test_flash_luminance_at_native_rate(tmp_path):
    flash = {10, 11, 30}
    draw = lambda i, t, w, h: np.full((h, w, 3), 255 if i in flash else 10, np.uint8)  # noqa: E731
    p = make_media(tmp_path / "flash.mp4", 2.0, fps=25, draw=draw, audio_rate=None)
    s, chunks, cat = run(p)
    luma, t = cat("luma"), cat("luma_times")
    assert len(luma) == 50
    bright = set(np.flatnonzero(luma > 0.5))
    assert bright == flash
    assert luma[list(flash)].min() > 0.95 and luma[[0, 20, 40]].max() < 0.05
    np.testing.assert_allclose(t[sorted(flash)], [0.4, 0.44, 1.2], atol=1e-6)


def test_rotation_is_applied(tmp_path):
    draw = thirds((255, 0, 0), (0, 255, 0), (0, 0, 255))
    plain = make_media(tmp_path / "plain.mp4", 0.5, size=(96, 48), draw=draw, audio_rate=None)
    rot = make_media(tmp_path / "rot.mp4", 0.5, size=(96, 48), draw=draw, audio_rate=None,
                     rotation=90)
    info = probe(rot)
    assert info.rotation == 90 and info.display_size == (48, 96)
    a = run(plain)[2]("frames")[0]
    b = run(rot)[2]("frames")[0]
    np.testing.assert_allclose(b, np.rot90(a), atol=1e-6)


# --- audio ----------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix,rate", [(".wav", 8000), (".ogg", 48000), (".mp3", 44100),
                                         (".flac", 22050)])
def test_audio_only_files(tmp_path, suffix, rate):
    p = make_audio(tmp_path / f"a{suffix}", 2.0, rate=rate, sound=tone(440, 0.5))
    info = probe(p)
    assert info.has_audio and not info.has_video
    s, chunks, cat = run(p)
    y = cat("audio")
    assert len(cat("frames")) == 0 and len(cat("luma")) == 0 and not s.stats.has_video
    assert abs(len(y) - 2 * SR) <= 0.02 * SR
    # LAME itself decodes this tone 5% quieter (checked with PyAV alone)
    level = 0.475 if suffix == ".mp3" else 0.5
    assert tone_level(y[SR // 4: -SR // 4]) == pytest.approx(level, rel=0.03)


def test_six_channel_48k_is_averaged_to_mono(tmp_path):
    # FLAC: lossless (AAC low-passes the LFE channel, which would change the mean)
    p = make_media(tmp_path / "six.mkv", 1.0, profile="mkv", audio_rate=48000, audio_channels=6,
                   sound=tone(440, 0.4))
    info = probe(p)
    assert (info.audio_rate, info.audio_channels) == (48000, 6)
    y = run(p)[2]("audio")
    assert tone_level(y[2000:-2000]) == pytest.approx(0.4, rel=0.03)


def test_video_without_audio(tmp_path):
    p = make_media(tmp_path / "mute.mp4", 1.0, audio_rate=None)
    info = probe(p)
    assert info.has_video and not info.has_audio
    s, chunks, cat = run(p)
    assert len(cat("audio")) == 0 and not s.stats.has_audio and s.stats.audio_samples == 0
    assert len(cat("frames")) == 3


def test_webm_vp9_opus(tmp_path):
    p = make_media(tmp_path / "a.webm", 1.5, profile="webm", sound=tone(440, 0.5))
    s, chunks, cat = run(p)
    assert len(cat("frames")) == 5 and s.info.video_codec == "vp9"
    y = cat("audio")
    assert tone_level(y[SR // 4: -SR // 4]) == pytest.approx(0.5, rel=0.03)


def test_impulse_lands_on_its_time(tmp_path):
    click = lambda t: np.where(np.abs(t - 1.0) < 0.5 / 44100, 0.9, 0.0)  # noqa: E731
    p = make_audio(tmp_path / "click.flac", 2.0, rate=44100, sound=click)
    y = run(p)[2]("audio")
    assert abs(int(np.argmax(np.abs(y))) - SR) <= 2


def test_late_start_and_gap_are_placed_by_pts(tmp_path):
    snd = tone(300, 0.5)
    # 32 kHz with 1024-sample packets: every PTS is a whole millisecond (Matroska's time unit)
    p = make_media(tmp_path / "gap.mkv", 2.0, profile="mkv", audio_rate=32000, sound=snd,
                   audio_start_s=0.5, audio_gap=(1.0, 0.25), size=(32, 32),
                   audio_codec="pcm_s16le")  # PCM: packets keep the PTS we wrote
    s, chunks, cat = run(p)
    y = cat("audio")
    # written: 0.5 s .. gap start (first 1024-block boundary at or after 1.0 s of audio), then a
    # 0.25 s hole, then the rest; total span 0.5 + 2.0 + 0.25 = 2.75 s
    gap_at = 0.5 + int(np.ceil(32000 / 1024)) * 1024 / 32000
    assert abs(len(y) - round(2.75 * SR)) <= 1
    t = np.arange(len(y)) / SR
    present = (t >= 0.5) & ~((t >= gap_at) & (t < gap_at + 0.25))
    edge = np.zeros_like(present)
    for b in (0.5, gap_at, gap_at + 0.25):
        edge |= np.abs(t - b) < 0.003
    assert np.abs(y[~present & ~edge]).max() == 0.0
    np.testing.assert_allclose(y[present & ~edge], snd(t[present & ~edge]), atol=0.02)
    assert s.stats.audio_filled == pytest.approx(0.75 * SR, abs=2)


def test_chunking_does_not_change_output(tmp_path):
    p = make_media(tmp_path / "c.mp4", 4.0, fps=25, audio_rate=44100)
    a = run(p, chunk_s=0.3)[2]
    b = run(p, chunk_s=100)[2]
    for name in ("audio", "frames", "frame_index", "thirds", "luma", "luma_times"):
        np.testing.assert_array_equal(a(name), b(name))


def test_audio_after_the_last_picture_streams_in_chunks(tmp_path):
    """The audio is read through its own container as the video advances; what is left when the
    pictures end still arrives chunk by chunk (not as one block), complete and in order."""
    p = make_media(tmp_path / "tail.mp4", 9.0, fps=25, audio_rate=44100, audio_seconds=10.0)
    s, chunks, cat = run(p, chunk_s=0.25)
    assert abs(check_audio_contiguous(chunks) - 10.0 * SR) < 0.05 * SR
    last_picture = cat("luma_times").max()
    tail = [c for c in chunks if c.audio_start >= last_picture * SR]
    assert len(tail) >= 2
    assert max(len(c.audio) for c in chunks) < 0.6 * SR  # bounded by the chunk and resampler block
    y = cat("audio")
    assert tone_level(y[round(9.2 * SR): round(9.9 * SR)]) > 0.3  # the tail is the tone, not fill


def test_load_audio_range_matches_full_decode(tmp_path):
    snd = lambda t: 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 97 * t)  # noqa: E731
    p = make_audio(tmp_path / "l.flac", 6.0, rate=44100, sound=snd)
    full = load_audio(p)
    assert abs(len(full) - 6 * SR) <= 1
    part = load_audio(p, start_s=2.5, end_s=4.0)
    assert len(part) == round(1.5 * SR)
    t = 2.5 + np.arange(len(part)) / SR
    np.testing.assert_allclose(part[100:-100], snd(t)[100:-100], atol=0.01)
    np.testing.assert_allclose(part[100:-100], full[round(2.5 * SR) + 100: round(4.0 * SR) - 100],
                               atol=0.01)


def test_load_audio_without_audio_track(tmp_path):
    p = make_media(tmp_path / "mute.mp4", 0.5, audio_rate=None)
    with pytest.raises(MediaError, match="no audio"):
        load_audio(p)


def test_decode_only_counts_frames(tmp_path):
    p = make_media(tmp_path / "d.mp4", 2.0, fps=25, audio_rate=44100)
    r = decode_only(p)
    assert r["video_frames"] == 50 and r["audio_frames"] > 80 and r["seconds"] > 0


def test_stream_audio_equals_load_audio(tmp_path):
    p = make_media(tmp_path / "s.mp4", 2.0, audio_rate=44100, sound=tone(523, 0.3))
    streamed = run(p)[2]("audio")
    np.testing.assert_array_equal(streamed, load_audio(p))


def _real_recordings():
    from pathlib import Path
    root = Path("/work/cache/scene_audio/train")
    return sorted(root.glob("*/*.ogg"))[:3] if root.is_dir() else []


@pytest.mark.parametrize("path", _real_recordings() or [None])
def test_load_audio_close_to_librosa_load_on_real_recordings(path):
    """Same signal as librosa.load (soxr resampling, channel mean) up to resampler differences."""
    if path is None:
        pytest.skip("no real recordings in /work/cache/scene_audio")
    librosa = pytest.importorskip("librosa")
    ref, _ = librosa.load(path, sr=SR, mono=True, duration=5.0)
    y = load_audio(path, end_s=5.0)
    n = min(len(ref), len(y))
    assert abs(len(ref) - len(y)) <= 2
    err = np.sqrt(np.mean((y[:n] - ref[:n]) ** 2)) / (np.sqrt(np.mean(ref[:n] ** 2)) + 1e-9)
    assert err < 0.05, err


def test_single_frame_pts_jitter_is_ignored(tmp_path):
    """One packet's PTS off by 10 ms while the next is on time (seen with Vorbis): the audio stays
    contiguous instead of getting a hole and an overlap."""
    snd = tone(300, 0.5)
    p = make_media(tmp_path / "jit.mkv", 1.0, profile="mkv", audio_rate=32000, sound=snd,
                   size=(32, 32), audio_codec="pcm_s16le", audio_pts_jitter={10: 0.010})
    s, chunks, cat = run(p)
    y = cat("audio")
    assert s.stats.audio_filled == 0 and s.stats.audio_dropped == 0
    t = np.arange(len(y)) / SR
    np.testing.assert_allclose(y[100:-100], snd(t)[100:-100], atol=0.02)


def test_tags_that_are_not_utf8_do_not_stop_decoding(tmp_path):
    """Many files carry Latin-1 tags (e.g. Debian's warmux music): FFmpeg hands the bytes over
    as they are, and strict UTF-8 decoding of the metadata made such files unreadable."""
    import av

    path = tmp_path / "latin1.wav"
    with av.open(str(path), "w") as c:
        c.metadata["title"] = "PLACEHOLDER"
        s = c.add_stream("pcm_s16le", rate=SR)
        s.layout = "mono"
        x = (0.3 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR) * 32767).astype(np.int16)
        f = av.AudioFrame.from_ndarray(x.reshape(1, -1), format="s16", layout="mono")
        f.sample_rate, f.pts = SR, 0
        for p in list(s.encode(f)) + list(s.encode(None)):
            c.mux(p)
    data = path.read_bytes()
    assert data.count(b"PLACEHOLDER") == 1
    path.write_bytes(data.replace(b"PLACEHOLDER", "Apnée été".encode("latin-1").ljust(11, b"!")))
    with pytest.raises(UnicodeDecodeError):
        av.open(str(path)).close()  # what PyAV does by default
    info = probe(path)
    assert info.has_audio and abs(info.duration_s - 1.0) < 0.05
    assert abs(len(load_audio(path)) - SR) < 64


@pytest.mark.parametrize("suffix,channels,rate", [(".mp3", 2, 44100), (".flac", 6, 48000),
                                                  (".wav", 2, 32000), (".ogg", 1, 48000)])
def test_batched_resampling_equals_one_call_per_frame(tmp_path, monkeypatch, suffix, channels, rate):
    """The assembler hands the resampler ~16 frames at once; the resampler is a stream, so the
    samples must be exactly those of one call per decoded frame."""
    import mulse_author.media.decode as dec

    path = make_audio(tmp_path / f"a{suffix}", 3.3, rate=rate, channels=channels)
    batched = load_audio(path)
    monkeypatch.setattr(dec, "_RESAMPLE_BLOCK", 1)
    per_frame = load_audio(path)
    assert len(batched) == len(per_frame) > 3 * SR
    assert np.array_equal(batched, per_frame)


@pytest.mark.parametrize("fmt,layout", [("fltp", "mono"), ("fltp", "stereo"), ("s16p", "5.1"),
                                        ("s32p", "stereo"), ("dblp", "mono"), ("s16", "stereo"),
                                        ("flt", "mono")])
def test_audio_array_equals_to_ndarray(fmt, layout):
    import av

    from mulse_author.media.decode import _audio_array

    ch = {"mono": 1, "stereo": 2, "5.1": 6}[layout]
    planar = fmt.endswith("p")
    dtype = {"flt": np.float32, "s16": np.int16, "s32": np.int32, "dbl": np.float64}[fmt.rstrip("p")]
    rng = np.random.default_rng(0)
    data = (rng.uniform(-1, 1, (ch, 1000)) * (1 if dtype in (np.float32, np.float64) else 1000)).astype(dtype)
    frame = av.AudioFrame.from_ndarray(data if planar else data.T.reshape(1, -1), format=fmt, layout=layout)
    got, want = _audio_array(frame), frame.to_ndarray()
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_each_container_reads_only_its_stream(tmp_path):
    """The audio's container skips the video packets (and the video's the audio): the demuxer
    discards them instead of reading them only for the loop to drop them."""
    import av

    from mulse_author.media.decode import _read_only
    from mulse_author.media.probe import open_container

    p = make_media(tmp_path / "d.mp4", 1.0, fps=25, audio_rate=44100)
    with open_container(p) as c:
        a = c.streams.audio[0]
        _read_only(c, a.index)
        assert c.streams.video[0].discard == av.stream.Discard.all
        assert a.discard != av.stream.Discard.all
        kinds = [packet.stream.type for packet in c.demux() if packet.size]
    # (a packet buffered while the file was opened may still come through)
    assert kinds.count("audio") > 20 and kinds.count("video") <= 1
