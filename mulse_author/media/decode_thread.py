"""Demux + decode of the video on a helper thread, and the video decoder's threading set-up."""

from __future__ import annotations

import os

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
        import queue
        import threading

        self._packets = packets
        # Packets travel in lists: a hand-over costs two lock round trips, a thread switch and a
        # GIL hand-off.  Lists of 16 packets (about 0.2 s of a 25 fps film with its audio) made
        # the analysis of the 10-min benchmark film 0.4-0.6 s faster than lists of 4 (one
        # hand-over per 4 packets was still 10 000 of them).  A list is also handed over once its
        # pictures reach ``batch_pixels`` (9 frames of 720p, 1 of 4K), and at most ``queued``
        # lists wait, so the decoded frames held stay bounded whatever the resolution.
        self._batch = max(1, batch)
        self._batch_pixels = batch_pixels
        self._queue: "queue.Queue" = queue.Queue(maxsize=max(1, queued))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._work, name="mulse-decode", daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        import queue

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


#: Least number of video decoder threads.  FFmpeg's own choice (cores + 1) is 3 on a 2-core
#: machine, where H.264's frame threads then often wait on each other's reference rows; with
#: more frames in flight both cores stay busy.  Measured on the 10-min 720p benchmark film on
#: 2 cores: decode-only 10.1-10.4 s with 3 threads, 9.1-9.3 s with 4, 8.9-9.1 s with 6, 8.8-9.0
#: s with 8; the analysis 12.5-12.9 s with 3 and 11.6-11.9 s with 6.  Frame threading gives the
#: same pictures (tested); each extra thread holds about one more decoded frame.
MIN_DECODE_THREADS = 6


def configure_video_decoder(stream) -> None:
    """Frame + slice threading with at least :data:`MIN_DECODE_THREADS` threads, for every full
    decode here: the analysis pass and :func:`decode_only`, its benchmark reference."""
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = max(MIN_DECODE_THREADS, (os.cpu_count() or 1) + 1)
