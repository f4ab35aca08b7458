"""Download AudioSet segments: fetch each YouTube video, cut the exact segment with PyAV.

The seed paper cut its clips by stream copy, which can only start on a keyframe, so many of
its "10 s" clips came out about 12 s long. Here the segment is decoded and *re-encoded*
(H.264 or MPEG-4 Part 2 video, AAC audio in MP4): audio is trimmed to the sample, video keeps
the frames whose timestamps fall inside ``[start, end)`` re-timed from 0 at the source's frame
rate.

Fetching goes through the :class:`Fetcher` protocol (``fetch(youtube_id, tmp_dir) -> path of
the full media``). :class:`YtDlpFetcher` is the real one (``yt-dlp`` is an optional dependency,
imported only when a fetcher is made); tests use fake fetchers over local files.

:func:`download_manifest` is

* resumable: a clip already at its destination is skipped, a segment listed in
  ``failures.tsv`` is skipped unless ``retry_failed``;
* parallel: a thread pool of ``workers`` (fetching is network-bound and PyAV releases the GIL
  while coding); the segments of one video are cut from one fetch;
* honest about failures: each failed segment is appended to ``failures.tsv``
  (``ytid, start_s, end_s, reason``) as it happens;
* free of partial files: media is fetched into a private temporary folder under
  ``OUT/.download-tmp/`` (removed after each video and at the next start), and each clip is
  encoded to a temporary name beside its destination and renamed into place only when complete.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol, runtime_checkable

import av
import numpy as np
from tqdm import tqdm

from mulse_author.errors import MediaError, MulseError
from training.datasets.audioset import MANIFEST_COLUMNS, Segment, read_audioset_manifest

TMP_DIR_NAME = ".download-tmp"
FAILURES_NAME = "failures.tsv"
FAILURE_COLUMNS = ("ytid", "start_s", "end_s", "reason")
#: A clip may end this much before the segment end (media shorter than the listed segment,
#: common at the end of videos) and still count; shorter ones are failures.
END_TOLERANCE_S = 0.5


class FetchError(MulseError):
    """A video could not be fetched (unavailable, private, network...). The message is the
    reason written to ``failures.tsv``."""


@runtime_checkable
class Fetcher(Protocol):
    """Gets the full media of a YouTube video into ``tmp_dir`` and returns its path.
    Raises :class:`FetchError` (or any exception, recorded as the reason) on failure."""

    def fetch(self, youtube_id: str, tmp_dir: Path) -> Path: ...


class YtDlpFetcher:
    """:class:`Fetcher` using the ``yt_dlp`` Python package (``pip install yt-dlp``).

    Asks for a single file with both audio and video (``format``), so no ffmpeg merge is
    needed; the default keeps videos at most 480 p (the model uses 32x32 frames).
    """

    DEFAULT_FORMAT = ("b[height<=480][vcodec!=none][acodec!=none]/"
                      "b[vcodec!=none][acodec!=none]/b")

    def __init__(self, format: str = DEFAULT_FORMAT, cookies: str | None = None,
                 rate_limit: str | None = None, retries: int = 3, quiet: bool = True):
        try:
            import yt_dlp  # noqa: F401  (optional dependency)
        except ImportError:
            raise MulseError("downloading AudioSet needs yt-dlp, which is not installed: "
                             "pip install yt-dlp") from None
        self.options = {"format": format, "quiet": quiet, "no_warnings": quiet,
                        "noprogress": True, "retries": retries, "noplaylist": True}
        if cookies:
            self.options["cookiefile"] = cookies
        if rate_limit:
            self.options["ratelimit"] = _parse_rate(rate_limit)

    def fetch(self, youtube_id: str, tmp_dir: Path) -> Path:
        import yt_dlp  # optional dependency (the download extra): loaded only to download

        opts = dict(self.options, outtmpl=str(Path(tmp_dir) / f"{youtube_id}.%(ext)s"))
        url = f"https://www.youtube.com/watch?v={youtube_id}"
        try:
            with yt_dlp.YoutubeDL(opts) as ydl:
                info = ydl.extract_info(url, download=True)
                path = Path(ydl.prepare_filename(info))
        except yt_dlp.utils.DownloadError as exc:
            raise FetchError(str(exc).replace("ERROR: ", "").strip()) from None
        if not path.is_file():
            found = sorted(Path(tmp_dir).glob(f"{youtube_id}.*"))
            if not found:
                raise FetchError("yt-dlp reported success but wrote no file")
            path = found[0]
        return path


def _parse_rate(text: str) -> int:
    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    text = text.strip().upper()
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


# -- cutting ---------------------------------------------------------------------------------

def _video_encoder() -> str:
    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


def cut_segment(src, dst, start_s: float, end_s: float, video: bool = True,
                audio_rate: int | None = None) -> float:
    """Cut ``[start_s, end_s)`` of ``src`` into ``dst`` by decoding and re-encoding.

    Audio: AAC at the source rate (or ``audio_rate``), up to 2 channels, trimmed to the sample.
    Video (when ``video`` and the source has one): frames whose time is in the range, re-timed
    from 0 at the source frame rate (constant), H.264 (MPEG-4 Part 2 without libx264), even
    frame size. Times are relative to the media's start. Writes ``dst`` atomically (temporary
    file + rename). Returns the clip's duration in seconds. Raises :class:`MediaError` when the
    source has no audio, cannot be decoded, or ends more than ``END_TOLERANCE_S`` early.
    """
    src, dst = Path(src), Path(dst)
    if end_s <= start_s:
        raise MediaError(f"segment end {end_s} is not after start {start_s}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.stem}.", suffix=".part" + dst.suffix,
                                    dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        duration = _cut(av, src, tmp, start_s, end_s, video, audio_rate)
        tmp.replace(dst)
        return duration
    except av.FFmpegError as exc:
        raise MediaError(f"{src}: cannot cut segment ({exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _cut(av, src: Path, out_path: Path, start_s: float, end_s: float, video: bool,
         audio_rate: int | None) -> float:
    try:
        inp = av.open(str(src))
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{src}: not readable media ({exc})") from exc
    with inp:
        if not inp.streams.audio:
            raise MediaError(f"{src}: has no audio stream")
        a_in = inp.streams.audio[0]
        v_in = inp.streams.video[0] if (video and inp.streams.video) else None
        t0 = inp.start_time / av.time_base if inp.start_time is not None else 0.0
        rate = audio_rate or a_in.codec_context.sample_rate or 44100
        channels = min(2, a_in.codec_context.channels or 1)
        layout = "stereo" if channels == 2 else "mono"
        need = int(round((end_s - start_s) * rate))
        buf = np.zeros((channels, need), np.float32)
        filled = 0  # highest sample index written + 1
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)

        with av.open(str(out_path), "w", format="mp4") as out:
            v_out = None
            if v_in is not None:
                fps = v_in.average_rate or v_in.guessed_rate or Fraction(25)
                fps = Fraction(fps).limit_denominator(1001)
                v_out = out.add_stream(_video_encoder(), rate=fps)
                v_out.width = max(2, (v_in.codec_context.width or 32) // 2 * 2)
                v_out.height = max(2, (v_in.codec_context.height or 32) // 2 * 2)
                v_out.pix_fmt = "yuv420p"
                frame_tb = Fraction(1) / fps  # fixed: the muxer rewrites v_out.time_base
                v_out.time_base = frame_tb
                last_pts = -1
                n_frames = int(round((end_s - start_s) * fps))
            a_out = out.add_stream("aac", rate=rate, layout=layout)

            if start_s > 0:  # land on the keyframe before start; the exact cut is below
                inp.seek(int((start_s + t0) * av.time_base), backward=True)
            streams = [s for s in (a_in, v_in) if s is not None]
            audio_done, video_done = False, v_in is None
            for packet in inp.demux(streams):
                if audio_done and video_done:
                    break
                try:
                    frames = packet.decode()
                except av.FFmpegError:
                    continue  # a damaged packet: a short gap, not a failed clip
                for frame in frames:
                    if frame.time is None:
                        continue
                    t = float(frame.time) - t0 - start_s  # seconds from the clip start
                    if packet.stream is a_in:
                        for rs in resampler.resample(frame):
                            data = rs.to_ndarray().reshape(channels, -1)
                            i0 = int(round(t * rate))
                            lo, hi = max(0, i0), min(need, i0 + data.shape[1])
                            if hi > lo:
                                buf[:, lo:hi] = data[:, lo - i0:hi - i0]
                                filled = max(filled, hi)
                            if i0 + data.shape[1] >= need:
                                audio_done = True
                            t += data.shape[1] / rate
                    else:
                        pts = int(round(t * fps))
                        if pts >= n_frames:
                            video_done = True
                            continue
                        if pts < 0 or pts <= last_pts:
                            continue
                        img = frame.reformat(width=v_out.width, height=v_out.height,
                                             format="yuv420p")
                        img.time_base = frame_tb  # before pts: setting it rescales pts
                        img.pts = pts
                        last_pts = pts
                        for p in v_out.encode(img):
                            out.mux(p)
            if filled < need - END_TOLERANCE_S * rate:
                raise MediaError(f"{src}: media ends at {start_s + filled / rate:.2f} s, before "
                                 f"the segment end {end_s:.2f} s")
            if v_out is not None:
                for p in v_out.encode(None):
                    out.mux(p)
            step = 1024
            for k in range(0, filled, step):
                chunk = np.ascontiguousarray(buf[:, k:min(k + step, filled)])
                fr = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
                fr.sample_rate, fr.time_base = rate, Fraction(1, rate)
                fr.pts = k
                for p in a_out.encode(fr):
                    out.mux(p)
            for p in a_out.encode(None):
                out.mux(p)
    return filled / rate


# -- manifest download -----------------------------------------------------------------------

@dataclass
class DownloadReport:
    """What a :func:`download_manifest` run did (counts of segments)."""

    total: int = 0
    done: int = 0  # cut in this run
    skipped: int = 0  # already present
    skipped_failed: int = 0  # listed in failures.tsv, not retried
    failed: int = 0  # failed in this run
    reasons: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        top = "; ".join(f"{n}x {r[:80]}" for r, n in self.reasons.most_common(5))
        return (f"{self.total} segments: {self.done} downloaded, {self.skipped} already present, "
                f"{self.failed} failed, {self.skipped_failed} skipped as failed before "
                f"({self.seconds:.1f} s)" + (f"\n  reasons: {top}" if top else ""))


def read_failures(path) -> dict[tuple[str, float], str]:
    """``{(ytid, start_s): reason}`` from a ``failures.tsv`` (missing file -> empty)."""
    path = Path(path)
    out: dict[tuple[str, float], str] = {}
    if not path.is_file():
        return out
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if len(row) < 4 or row[0] == "ytid":
                continue
            try:
                out[(row[0], round(float(row[1]), 3))] = row[3]
            except ValueError:  # a line cut short by an interruption
                continue
    return out


def _clean_reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:300]  # one line for the TSV


def download_manifest(manifest, fetcher: Fetcher, out_dir=None, workers: int = 4,
                      video: bool = True, retry_failed: bool = False, progress: bool = False,
                      on_result: Callable[[Segment, str | None], None] | None = None
                      ) -> DownloadReport:
    """Fetch and cut every segment of an AudioSet manifest (``audioset.write_manifest``).

    Clips go to ``out_dir / <manifest path>`` (``out_dir`` defaults to the manifest's folder);
    failures to ``out_dir/failures.tsv``; the clips present at the end are listed in
    ``out_dir/downloaded.csv`` (a manifest ``read_manifest`` reads). ``on_result(segment,
    reason_or_None)`` is called after each segment. See the module docstring.
    """
    manifest = Path(manifest)
    out = Path(out_dir) if out_dir is not None else manifest.parent
    items = read_audioset_manifest(manifest)
    out.mkdir(parents=True, exist_ok=True)
    tmp_root = out / TMP_DIR_NAME
    shutil.rmtree(tmp_root, ignore_errors=True)  # leftovers of an interrupted run
    _remove_stale_parts(out, items)
    failures_path = out / FAILURES_NAME
    failed_before = read_failures(failures_path)
    report = DownloadReport(total=len(items))
    t_start = time.monotonic()

    by_video: dict[str, list[tuple[Segment, Path]]] = {}
    for seg, rel, _labels in items:
        dest = out / rel
        if dest.is_file():
            report.skipped += 1
            continue
        if not retry_failed and (seg.ytid, round(seg.start_s, 3)) in failed_before:
            report.skipped_failed += 1
            continue
        by_video.setdefault(seg.ytid, []).append((seg, dest))

    lock = threading.Lock()
    new_file = not failures_path.is_file()
    with open(failures_path, "a", newline="", encoding="utf-8") as fail_fh:
        writer = csv.writer(fail_fh, delimiter="\t", lineterminator="\n")
        if new_file:
            writer.writerow(FAILURE_COLUMNS)
            fail_fh.flush()

        def record(seg: Segment, reason: str | None) -> None:
            with lock:
                if reason is None:
                    report.done += 1
                else:
                    report.failed += 1
                    report.reasons[reason] += 1
                    writer.writerow([seg.ytid, f"{seg.start_s:.3f}", f"{seg.end_s:.3f}", reason])
                    fail_fh.flush()
                if on_result is not None:
                    on_result(seg, reason)

        def work(ytid: str, jobs: list[tuple[Segment, Path]]) -> None:
            tmp_root.mkdir(parents=True, exist_ok=True)
            tmp_dir = Path(tempfile.mkdtemp(prefix=f"{ytid}.", dir=tmp_root))
            try:
                try:
                    media = Path(fetcher.fetch(ytid, tmp_dir))
                except Exception as exc:  # noqa: BLE001 - any fetch failure is a recorded reason
                    reason = f"fetch failed: {_clean_reason(exc)}"
                    for seg, _ in jobs:
                        record(seg, reason)
                    return
                for seg, dest in jobs:
                    try:
                        cut_segment(media, dest, seg.start_s, seg.end_s, video=video)
                    except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                        record(seg, f"cut failed: {_clean_reason(exc)}")
                    else:
                        record(seg, None)
            finally:
                shutil.rmtree(tmp_dir, ignore_errors=True)

        bar = None
        if progress:
            bar = tqdm(total=sum(len(j) for j in by_video.values()), unit="clip",
                       desc="downloading")
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            futures = {pool.submit(work, ytid, jobs): len(jobs) for ytid, jobs in by_video.items()}
            for fut in as_completed(futures):
                fut.result()  # re-raises KeyboardInterrupt-free bugs in work()
                if bar is not None:
                    bar.update(futures[fut])
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            if bar is not None:
                bar.close()
            shutil.rmtree(tmp_root, ignore_errors=True)
            _write_downloaded(out, items)
    report.seconds = time.monotonic() - t_start
    return report


def _remove_stale_parts(out: Path, items: Iterable) -> None:
    """Delete temporary ``.part`` files an interrupted run left beside destinations."""
    for folder in {(out / rel).parent for _, rel, _ in items}:
        if folder.is_dir():
            for part in folder.glob(".*.part*"):
                part.unlink(missing_ok=True)


def _write_downloaded(out: Path, items) -> Path:
    """``out/downloaded.csv``: the manifest rows whose clip exists (for training)."""
    path = out / "downloaded.csv"
    tmp = out / "downloaded.csv.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(MANIFEST_COLUMNS)
        for seg, rel, labels in items:
            if (out / rel).is_file():
                w.writerow([rel, ";".join(labels), "", "", seg.ytid, seg.ytid,
                            f"{seg.start_s:.3f}", f"{seg.end_s:.3f}", ",".join(seg.mids)])
    tmp.replace(path)
    return path
