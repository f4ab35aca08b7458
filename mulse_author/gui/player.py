"""The video player: QMediaPlayer with audio, shown in a QVideoWidget, and the time authority.

The playhead follows the *frames actually shown*: each frame the video sink receives carries
its presentation time (``QVideoFrame.startTime``), so the timeline's playhead sits on the frame
on screen and never drifts from the picture.  Audio-only media fall back to the player's
position.  Seeks go to the middle of a frame so the frame shown is the one the timeline names.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEventLoop, QMetaObject, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink

from .logic.timecode import frame_index, frame_mid_ms

log = logging.getLogger(__name__)

#: shuttle speeds reached by pressing J or L repeatedly
SHUTTLE_RATES = (1.0, 2.0, 4.0, 8.0)
#: period of the reverse-shuttle timer (QMediaPlayer cannot play backwards), ms
REVERSE_TICK_MS = 80


class Player(QObject):
    positionChanged = Signal(int)  #: ms of the frame on screen (the playhead)
    durationChanged = Signal(int)
    playingChanged = Signal(bool)
    frameShown = Signal(QVideoFrame)
    error = Signal(str)
    loaded = Signal()

    def __init__(self, video_widget=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.player = QMediaPlayer(self)
        self.audio: QAudioOutput | None = None
        try:
            # without a sound server this still constructs and the player plays silently
            self.audio = QAudioOutput(self)
            self.player.setAudioOutput(self.audio)
        except Exception as exc:  # noqa: BLE001 - audio is optional for authoring
            log.warning("no audio output: %s", exc)
        if video_widget is not None:
            self.player.setVideoOutput(video_widget)
            self.sink: QVideoSink = video_widget.videoSink()
        else:
            self.sink = QVideoSink(self)
            self.player.setVideoSink(self.sink)
        # queued: frames arrive on the decoder's thread; the slot must run on ours, and the
        # decoder thread must never wait for Python (see close())
        self.sink.videoFrameChanged.connect(self._on_frame, Qt.QueuedConnection)
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(lambda d: self.durationChanged.emit(int(d)))
        self.player.playbackStateChanged.connect(
            lambda s: self.playingChanged.emit(s == QMediaPlayer.PlayingState))
        self.player.errorOccurred.connect(self._on_error)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.fps: float | None = None
        self.has_video = True
        self.position_ms = 0
        self.last_frame_ms: int | None = None
        self._rate_i = 0
        self._reverse = QTimer(self)
        self._reverse.setInterval(REVERSE_TICK_MS)
        self._reverse.timeout.connect(self._reverse_tick)
        self._pending_seek: int | None = None
        self._seek_target: int | None = None  #: ms of the last seek while paused, until its frame shows
        self._seek_retries = 0
        self._fresh = False  #: a source was just set and has not been paused yet

    # -- media ---------------------------------------------------------------------------
    def open(self, path: str, fps: float | None = None, has_video: bool = True) -> None:
        self.stop_shuttle()
        self.fps = fps
        self.has_video = has_video
        self.last_frame_ms = None
        self.position_ms = 0
        self._fresh = True
        self.player.setSource(QUrl.fromLocalFile(str(path)))

    def close(self) -> None:
        """Stop and unload.

        ``QMediaPlayer.stop()`` joins the decoder threads; called from Python it would do so
        while holding the GIL, and a decoder thread that needs Python at that moment (a
        message handler, a wrapper being freed) would deadlock.  So stop() is queued and run by
        a local event loop, which PySide runs with the GIL released.
        """
        self.stop_shuttle()
        self._fresh = False
        self._seek_target = None
        if self.player.playbackState() != QMediaPlayer.StoppedState:
            loop = QEventLoop()
            QMetaObject.invokeMethod(self.player, "stop", Qt.QueuedConnection)
            QMetaObject.invokeMethod(loop, "quit", Qt.QueuedConnection)
            loop.exec()
        self.player.setSource(QUrl())

    def duration_ms(self) -> int:
        return int(self.player.duration())

    def is_playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlayingState

    def _on_status(self, status) -> None:
        if status == QMediaPlayer.LoadedMedia and self._fresh:
            # once per open: pause (not stop) so seeks while not playing decode and show a
            # frame.  LoadedMedia comes again after stop(); pausing then would restart it.
            self._fresh = False
            self.player.pause()
            if self._pending_seek is not None:
                self.player.setPosition(self._pending_seek)
                self._pending_seek = None
            self.loaded.emit()
        elif status == QMediaPlayer.InvalidMedia:
            self.error.emit(f"cannot play this media: {self.player.errorString() or 'invalid media'}")

    def _on_error(self, err, text: str) -> None:
        if err != QMediaPlayer.NoError:
            self.error.emit(text or str(err))

    # -- time authority ------------------------------------------------------------------
    def _on_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        t = frame.startTime()
        if t < 0:
            return
        self.last_frame_ms = int(round(t / 1000.0))
        target = self._seek_target
        if target is not None and not self.is_playing():
            end = frame.endTime()
            if t > target * 1000 or (end > 0 and end <= target * 1000):
                if self._seek_retries < 3:
                    # the paused decoder presented a neighbour frame (seen under load): seek
                    # again so the picture stays on the frame the timeline names
                    self._seek_retries += 1
                    self.player.setPosition(target)
                    return
        self.frameShown.emit(frame)
        self._set_position(self.last_frame_ms)

    def _on_position(self, ms: int) -> None:
        if not self.has_video or self.last_frame_ms is None:
            self._set_position(int(ms))

    def _set_position(self, ms: int) -> None:
        if ms != self.position_ms:
            self.position_ms = ms
            self.positionChanged.emit(ms)

    # -- transport -----------------------------------------------------------------------
    def play(self) -> None:
        self.stop_shuttle()
        self._seek_target = None
        self.player.setPlaybackRate(1.0)
        self.player.play()

    def pause(self) -> None:
        self.stop_shuttle()
        self.player.pause()

    def toggle(self) -> None:
        if self.is_playing() or self._reverse.isActive():
            self.pause()
        else:
            self.play()

    def seek(self, ms: float) -> None:
        """Show the frame that contains ``ms`` (seeks to that frame's middle)."""
        dur = self.duration_ms()
        ms = max(0.0, min(float(ms), dur - 1 if dur > 0 else float(ms)))
        if self.fps:
            target = int(round(frame_mid_ms(frame_index(ms, self.fps), self.fps)))
        else:
            target = int(round(ms))
        if self.player.mediaStatus() in (QMediaPlayer.NoMedia, QMediaPlayer.LoadingMedia):
            self._pending_seek = target
        self._seek_target, self._seek_retries = target, 0
        self.player.setPosition(target)

    def current_frame(self) -> int:
        return frame_index(self.position_ms, self.fps)

    def step_frames(self, n: int) -> None:
        """Step ``n`` frames (negative: back) from the frame on screen; pauses playback."""
        self.pause()
        if self.fps:
            self.seek(frame_mid_ms(max(0, self.current_frame() + n), self.fps))
        else:
            self.seek(self.position_ms + 40 * n)

    def step_ms(self, delta: int) -> None:
        self.seek(self.position_ms + delta)

    def home(self) -> None:
        self.pause()
        self.seek(0)

    def end(self) -> None:
        self.pause()
        if self.fps:
            self.seek(self.duration_ms() - 1000.0 / self.fps / 2)
        else:
            self.seek(self.duration_ms() - 1)

    # -- J/K/L shuttle -------------------------------------------------------------------
    def shuttle(self, key: str) -> float:
        """``"l"`` forward (faster each press), ``"j"`` backward, ``"k"`` stop.  Returns the rate."""
        if key == "k":
            self.pause()
            return 0.0
        forward = key == "l"
        current = self.shuttle_rate()
        if current != 0 and (current > 0) == forward:
            self._rate_i = min(self._rate_i + 1, len(SHUTTLE_RATES) - 1)
        else:
            self._rate_i = 0
        rate = SHUTTLE_RATES[self._rate_i]
        if forward:
            self._reverse.stop()
            self.player.setPlaybackRate(rate)
            self.player.play()
            return rate
        self.player.pause()
        self._reverse.start()
        return -rate

    def shuttle_rate(self) -> float:
        if self._reverse.isActive():
            return -SHUTTLE_RATES[self._rate_i]
        return self.player.playbackRate() if self.is_playing() else 0.0

    def stop_shuttle(self) -> None:
        self._reverse.stop()
        self._rate_i = 0

    def _reverse_tick(self) -> None:
        t = self.position_ms - REVERSE_TICK_MS * SHUTTLE_RATES[self._rate_i]
        if t <= 0:
            self._reverse.stop()
            t = 0
        self.seek(t)
