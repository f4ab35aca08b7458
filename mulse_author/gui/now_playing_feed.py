"""What plays at the playhead, for every view that shows it (the effect monitor, the surround).

One :class:`~.logic.now_playing.NowPlaying` model follows the document's events; playhead,
edit and row-flag changes are coalesced into at most one query per 40 ms, and only while a
view that shows the result is visible, so playback never waits for it.  Views connect to
:attr:`NowPlayingFeed.changed` and read :attr:`now` and :attr:`flash`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from .logic.now_playing import NowPlaying, Playing, lights_of

#: refresh period while the playhead moves (ms): 25 Hz, the rate of most films
REFRESH_MS = 40
#: a playhead step forward up to this long (ms) is playback: a flash passed over in it still shows
PASSED_FLASH_MS = 250


class NowPlayingFeed(QObject):
    changed = Signal()

    def __init__(self, editor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.model = NowPlaying(editor.doc.segments())
        self.now: list[Playing] = []
        self.flash: Playing | None = None  #: the flash to show now (muted rows left out)
        self.views: list = []  #: "is it showing?" callables: refreshes stop while none is
        self._last_t: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        editor.documentReplaced.connect(self._reload)
        editor.segmentsChanged.connect(self._on_segments)
        editor.playheadChanged.connect(lambda _ms: self.schedule())
        editor.rowsChanged.connect(self.schedule)

    def add_view(self, widget, showing=None) -> None:
        """Register a view; ``showing()`` (default: the widget is visible) says if it needs data."""
        self.views.append(showing or widget.isVisible)

    @property
    def approved_only(self) -> bool:
        return self.model.approved_only

    def set_approved_only(self, on: bool) -> None:
        self.model.approved_only = bool(on)
        self.refresh()

    def _reload(self) -> None:
        self.model.rebuild(self.editor.doc.segments())
        self._last_t = None
        self.schedule()

    def _on_segments(self, event, ids) -> None:
        self.model.follow(self.editor.doc, event, ids)
        self.schedule()

    def schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        if not any(showing() for showing in self.views):  # costs nothing while nothing shows it
            self._last_t = None
            return
        t, rows = self.editor.playhead_ms, self.editor.rows
        self.now = self.model.at(t, rows)
        last = self._last_t
        if last is not None and 0 < t - last <= PASSED_FLASH_MS:
            self.flash = self.model.flash_between(last + 1, t, rows)
        else:
            self.flash = next((p for p in self.now if p.effect == "Flash" and not p.muted), None)
        self._last_t = t
        self.changed.emit()

    def lights(self) -> dict[str, Playing | None]:
        return lights_of(self.now)
