"""The one decode pass of an analysis: every consumer fed as chunks arrive (step 2 of
:mod:`.analyze`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from ..effects.cues import CueSettings, ThirdsColourBins
from ..errors import MulseError
from ..media.decode import stream_media
from ..spec import HOP as HOP_SAMPLES
from ..spec import SAMPLE_RATE
from .loudness import LoudnessTrack

if TYPE_CHECKING:
    from .scheduling import WindowRunner

#: Seconds of decoded audio turned into mel frames at once: fewer calls on caches the decoder has
#: flushed (benchmarks/RESULTS.md); the streaming mel is exact for any split.
MEL_BATCH_S = 8.0

Progress = Callable[[float, str], None]


class AnalysisCancelled(MulseError):
    """The caller's ``cancel()`` returned True; nothing was produced."""


class DecodePass:
    """Step 2: one decode of the file feeding every consumer as chunks arrive: the loudness
    track, the mel frames and video features of the network's windows, the thirds colours
    and the per-frame luma of the cues."""

    def __init__(self, path, facts, runner: "WindowRunner | None", use_audio: bool, use_video: bool,
                 cue_settings: CueSettings, report: Progress, cancel: Callable[[], bool] | None):
        from ..features.mel import StreamingLogMel

        self.path, self.facts, self.runner = path, facts, runner
        self.use_video = use_video
        self.report, self.cancel = report, cancel
        self.mel_stream = StreamingLogMel(precise=False) if runner is not None and use_audio else None
        self.loud = LoudnessTrack(SAMPLE_RATE, HOP_SAMPLES)
        self.colours = ThirdsColourBins(cue_settings.bin_s)
        self.luma_t: list[np.ndarray] = []
        self.luma_y: list[np.ndarray] = []
        self.warnings: list[str] = []
        self.duration_s = facts.duration_s
        self._audio: list[np.ndarray] = []  # decoded audio not yet turned into mel frames
        self._audio_n = 0

    def _cancelled(self) -> bool:
        return self.cancel is not None and self.cancel()

    def _flush_mel(self) -> None:
        if self._audio:
            self.runner.add_mel(self.mel_stream.push(np.concatenate(self._audio)).numpy())
            self._audio, self._audio_n = [], 0

    def run(self) -> None:
        facts, runner = self.facts, self.runner
        # the sampled 32x32 frames only feed a video model; the cues use the thirds and luma
        stream = stream_media(self.path, audio=facts.has_audio, video=facts.has_video, chunk_s=2.0,
                              frames=self.use_video, info=facts)
        for chunk in stream:
            if self._cancelled():
                stream.close()
                raise AnalysisCancelled("analysis cancelled")
            if len(chunk.audio):
                self.loud.feed(chunk.audio)
                if self.mel_stream is not None:
                    self._audio.append(chunk.audio)
                    self._audio_n += len(chunk.audio)
                    if self._audio_n >= MEL_BATCH_S * SAMPLE_RATE:
                        self._flush_mel()
            if len(chunk.thirds):
                self.colours.add_many(chunk.frame_times, chunk.thirds)
            if len(chunk.luma):
                self.luma_t.append(chunk.luma_times)
                self.luma_y.append(chunk.luma)
            if runner is not None:
                if self.use_video and len(chunk.frames):
                    runner.add_frames(list(np.ascontiguousarray(chunk.frames.transpose(0, 3, 1, 2))))
                runner.run()
            if facts.duration_s > 0:
                pos = max(float(chunk.luma_times[-1]) if len(chunk.luma_times) else 0.0,
                          (chunk.audio_start + len(chunk.audio)) / SAMPLE_RATE)
                self.report(min(0.99, pos / facts.duration_s), "analysing")
        self.warnings += [f"decoding: {w}" for w in stream.stats.warnings]
        # a truncated file: what was decoded is the media's length from here on
        self.duration_s = stream.stats.truncated_at_s or facts.duration_s
        if runner is not None:
            runner.duration_s = self.duration_s
        if self._cancelled():
            raise AnalysisCancelled("analysis cancelled")
        self.loud.finish()
        if runner is not None:
            if self.mel_stream is not None:
                self._flush_mel()
                runner.add_mel(self.mel_stream.finish().numpy())
            if self.use_video:
                runner.add_frames([], final=True)
                if runner.feat is None or len(runner.feat) == 0:
                    raise MulseError(f"{self.path}: no video frame could be decoded")
            runner.run(final=True)
