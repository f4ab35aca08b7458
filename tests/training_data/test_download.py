"""AudioSet downloader: exact re-encoded cuts, resumability, failures, no partial files."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from mulse_author.errors import MediaError, MulseError
from mulse_author.labels import AUDIOSET_MIDS
from mulse_author.media.synth import write_media
from training.datasets.audioset import Segment, label_evidence, select_segments, write_manifest
from training.datasets.download import Fetcher, FetchError, cut_segment, download_manifest, read_failures
from training.datasets.local import read_manifest

SR = 22050
FPS = 10


def make_source(path: Path, seconds: int = 30, gop: int = 100) -> Path:
    """32x32 video whose frame i has red = i % 200 and green = 10 * (i // 200), keyframes
    every ``gop`` frames (10 s: a stream-copy cut would snap to them), and audio whose
    second k is a tone of 300 + 100 k Hz."""
    def picture(i, t):
        img = np.zeros((32, 32, 3), np.uint8)
        img[..., 0] = i % 200
        img[..., 1] = 10 * (i // 200)
        return img

    def tones(t):
        return 0.3 * np.sin(2 * np.pi * (300 + 100 * np.floor(t)) * t)

    def keyframes_every_gop(v, a):
        v.codec_context.gop_size = gop
        v.codec_context.bit_rate = 2_000_000

    write_media(path, seconds, picture, tones, size=(32, 32), fps=FPS, sample_rate=SR, video_codec="mpeg4",
                setup=keyframes_every_gop)
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return make_source(tmp_path_factory.mktemp("src") / "long.mp4")


def decode(path: Path):
    """(audio mono float32 at 22 050 Hz, source frame index of each frame, video fps)."""
    with av.open(str(path)) as c:
        rs = av.AudioResampler(format="flt", layout="mono", rate=SR)
        audio = [f.to_ndarray().reshape(-1) for fr in c.decode(audio=0) for f in rs.resample(fr)]
    with av.open(str(path)) as c:
        fps = c.streams.video[0].average_rate
        rgb = [fr.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0) for fr in
               c.decode(video=0)]
    index = [int(round(r)) + 200 * int(round(g / 10)) for r, g, _ in rgb]
    return np.concatenate(audio), index, fps


def dominant_hz(x: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spec) * SR / x.size)


def test_cut_is_exact_10s_not_snapped_to_keyframes(source, tmp_path):
    dst = tmp_path / "clip.mp4"
    dur = cut_segment(source, dst, 12.0, 22.0)
    assert dur == pytest.approx(10.0, abs=1e-3)
    audio, index, fps = decode(dst)
    assert audio.size / SR == pytest.approx(10.0, abs=0.05)  # not 12 s (keyframe at 10 s)
    assert len(index) == pytest.approx(100, abs=1)
    assert fps == FPS
    assert abs(index[0] - 120) <= 1  # first frame is source frame 120 (t = 12 s), not 100
    assert abs(index[-1] - 219) <= 1
    assert dominant_hz(audio[int(0.1 * SR):int(0.9 * SR)]) == pytest.approx(1500, abs=5)
    assert dominant_hz(audio[int(9.1 * SR):int(9.9 * SR)]) == pytest.approx(2400, abs=5)
    assert not list(tmp_path.glob(".*part*"))


def test_cut_audio_only_and_errors(source, tmp_path):
    dst = tmp_path / "a.mp4"
    cut_segment(source, dst, 0.0, 10.0, video=False)
    with av.open(str(dst)) as c:
        assert not c.streams.video and c.streams.audio
    with pytest.raises(MediaError, match="ends at"):
        cut_segment(source, tmp_path / "late.mp4", 25.0, 35.0)
    bad = tmp_path / "garbage.mp4"
    bad.write_bytes(b"\x00not media" * 100)
    with pytest.raises(MediaError):
        cut_segment(bad, tmp_path / "g.mp4", 0.0, 10.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "garbage.mp4"]


class FakeFetcher:
    """Copies local media for known ids; ``fail`` ids raise FetchError; counts calls."""

    def __init__(self, media: dict[str, Path], fail=(), interrupt_after=None, garbage=()):
        self.media, self.fail, self.garbage = media, set(fail), set(garbage)
        self.interrupt_after = interrupt_after
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def fetch(self, youtube_id: str, tmp_dir: Path) -> Path:
        with self.lock:
            self.calls.append(youtube_id)
            n = len(self.calls)
        if self.interrupt_after is not None and n > self.interrupt_after:
            raise Interrupted("killed")
        if youtube_id in self.fail:
            raise FetchError("Video unavailable")
        dst = Path(tmp_dir) / f"{youtube_id}.mp4"
        if youtube_id in self.garbage:
            dst.write_bytes(b"<html>captcha</html>")
        else:
            shutil.copy(self.media[youtube_id], dst)
        return dst


class Interrupted(BaseException):
    """Stands in for Ctrl-C / a killed process in the middle of a run."""


@pytest.fixture
def dataset(source, tmp_path):
    ids = ["vidA", "vidB", "vidC", "vidD", "gone", "junk"]
    segs = [Segment(i, 5.0 + n, 15.0 + n, (AUDIOSET_MIDS["Rain"],)) for n, i in enumerate(ids)]
    segs.append(Segment("vidA", 18.0, 28.0, (AUDIOSET_MIDS["Thunder"],)))  # 2nd segment of vidA
    segs.append(Segment("vidB", 25.0, 35.0, (AUDIOSET_MIDS["Fire"],)))  # beyond the media end
    manifest = write_manifest(select_segments(segs, label_evidence(), cap=None),
                              tmp_path / "as" / "manifest.csv")
    media = {i: source for i in ids}
    return manifest, media


def _no_partial_files(root: Path):
    leftovers = [p for p in root.rglob("*") if ".part" in p.name or ".download-tmp" in str(p)]
    assert leftovers == []
    for clip in (root / "clips").glob("*.mp4"):
        with av.open(str(clip)) as c:  # every file present is a complete, readable clip
            assert c.streams.audio and c.duration / 1e6 == pytest.approx(10.0, abs=0.1)


def test_download_parallel_with_failures(dataset):
    manifest, media = dataset
    fetcher = FakeFetcher(media, fail={"gone"}, garbage={"junk"})
    assert isinstance(fetcher, Fetcher)
    seen = []
    report = download_manifest(manifest, fetcher, workers=3, on_result=lambda s, r: seen.append(r))
    out = manifest.parent
    assert (report.total, report.done, report.failed) == (8, 5, 3)
    assert sorted(fetcher.calls) == sorted(["vidA", "vidB", "vidC", "vidD", "gone", "junk"])
    fails = read_failures(out / "failures.tsv")
    assert fails[("gone", 9.0)] == "fetch failed: Video unavailable"
    assert fails[("junk", 10.0)].startswith("cut failed:")
    assert "ends at" in fails[("vidB", 25.0)]
    assert len(seen) == 8
    _no_partial_files(out)
    recs = read_manifest(out / "downloaded.csv")
    assert len(recs) == 5 and all(Path(r.path).is_file() for r in recs)
    assert {r.labels for r in recs} == {("Rain",), ("Thunder",)}

    # second run: nothing fetched again (done clips and recorded failures are skipped)
    again = FakeFetcher(media)
    report2 = download_manifest(manifest, again, workers=2)
    assert again.calls == [] and (report2.skipped, report2.skipped_failed) == (5, 3)
    # --retry-failed fetches the failed ones only
    retry = FakeFetcher(media)
    report3 = download_manifest(manifest, retry, workers=2, retry_failed=True)
    assert sorted(retry.calls) == ["gone", "junk", "vidB"]
    assert report3.done == 2 and report3.failed == 1  # vidB@25 s is still past the media end


def test_interrupted_run_leaves_no_partial_files_and_resumes(dataset):
    manifest, media = dataset
    out = manifest.parent
    with pytest.raises(Interrupted):
        download_manifest(manifest, FakeFetcher(media, interrupt_after=2), workers=1)
    _no_partial_files(out)
    first = sorted(p.name for p in (out / "clips").glob("*.mp4"))
    assert 0 < len(first) < 8
    # a stale temporary file from a hard kill is cleaned at the next start
    (out / ".download-tmp" / "x").mkdir(parents=True)
    (out / "clips" / ".vidC_7000.abc.part.mp4").write_bytes(b"half")
    resumed = FakeFetcher(media)
    report = download_manifest(manifest, resumed, workers=2)
    assert not set(resumed.calls) & {p.split("_")[0] for p in first if not p.startswith("vidA")}
    assert report.skipped == len(first)
    _no_partial_files(out)
    assert len(list((out / "clips").glob("*.mp4"))) == 7  # all but vidB@25 s (past the end)


def test_missing_yt_dlp_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_yt_dlp(name, *args, **kwargs):
        if name == "yt_dlp":
            raise ImportError("No module named 'yt_dlp'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_yt_dlp)
    from training.datasets.download import YtDlpFetcher

    with pytest.raises(MulseError, match="pip install yt-dlp"):
        YtDlpFetcher()
