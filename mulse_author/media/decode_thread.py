"""Demux + decode of the video on a helper thread, and the video decoder's threading set-up."""

from __future__ import annotations

import os
import queue
import threading

import av


class _DecodeThread:
    """Demux + decode on a helper thread, handing ``(stream, frames, error)`` per packet to the
    caller in demux order through a short queue.

    FFmpeg's decode releases the GIL, so the packets keep decoding while the caller's thread
    places audio, samples and scales frames and measures them; in one thread that per-frame
    work stalled the decoder.  The caller sees exactly the sequence a loop over
    ``packet.decode()`` would give: ``error`` is ``(exception, packet)`` for a packet that
    failed to decode (its frames empty), and an exception from the demuxer (strict mode's
    :class:`MediaError`) is re-raised in the caller after the packets before it.
    """

    _END = object()

    def __init__(self, packets, batch: int = 16, batch_pixels: int = 8_000_000, queued: int = 4):
        self._packets = packets
        # Packets travel in lists of ``batch`` (a hand-over costs locks and a GIL hand-off; see
        # benchmarks/RESULTS.md), or fewer past ``batch_pixels``; at most ``queued`` wait.
        self._batch = max(1, batch)
        self._batch_pixels = batch_pixels
        self._queue: "queue.Queue" = queue.Queue(maxsize=max(1, queued))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._work, name="mulse-decode", daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        items: list = []
        pixels = 0
        try:
            for packet in self._packets:
                try:
                    frames = packet.decode()
                    items.append((packet.stream, frames, None))
                    if frames and packet.stream.type == "video":
                        pixels += sum(f.width * f.height for f in frames)
                except av.error.FFmpegError as e:
                    items.append((packet.stream, [], (e, packet)))
                if len(items) >= self._batch or pixels >= self._batch_pixels:
                    if not self._put(items):
                        return
                    items, pixels = [], 0
            if items and not self._put(items):
                return
            self._put(self._END)
        except BaseException as e:  # handed to the caller, raised there after what came before
            if items and not self._put(items):
                return
            self._put(e)

    def __iter__(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item

    def stop(self) -> None:
        """Stop reading (early close or an error in the caller) and wait for the thread."""
        self._stopping.set()
        self._thread.join()


#: Least number of video decoder threads: FFmpeg's 3 on 2 cores leaves H.264 frame threads waiting
#: on each other; 6 keep both cores busy, same pictures (timings in benchmarks/RESULTS.md).
MIN_DECODE_THREADS = 6


def configure_video_decoder(stream) -> None:
    """Frame + slice threading with at least :data:`MIN_DECODE_THREADS` threads, for every full
    decode here: the analysis pass and :func:`decode_only`, its benchmark reference."""
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = max(MIN_DECODE_THREADS, (os.cpu_count() or 1) + 1)
