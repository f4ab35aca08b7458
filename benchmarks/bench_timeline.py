"""Timeline responsiveness: repaint and drag-update time with 5 000 segments on a 2-hour
timeline (lights split into left/centre/right sub-lanes, one segment in ten with intensity
keyframes), a 300-segment drag, the live monitor's query, the light surround's repaint, and
time from launch to a usable main window.

Run: ``QT_QPA_PLATFORM=offscreen python benchmarks/bench_timeline.py [--segments 5000]``

Figures are medians in ms.  Targets (from the GUI issue): a drag update under 16 ms (one frame
at 60 Hz), start-up under 2 s.  The reference, measured in the same run, is the naive way:
painting every segment of every lane (no visible-range bisect, no sub-pixel merging) at the
same zoom, so the ratio shows what culling buys.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def make_doc(n_segments: int, duration_ms: int = 2 * 3600 * 1000, seed: int = 0):
    from mulse_author.document import Curves, MediaRef, Segment, Source, TimelineDocument
    from mulse_author.labels import LABELS
    from mulse_author.mpegv.types import EFFECT_TYPES

    rng = np.random.default_rng(seed)
    doc = TimelineDocument(MediaRef("/bench/film.mp4", duration_ms, fps=25.0, width=1920, height=1080))
    segs = []
    for i in range(n_segments):
        lane = EFFECT_TYPES[i % len(EFFECT_TYPES)].name
        start = int(rng.integers(0, duration_ms - 60_000)) // 40 * 40
        dur = int(rng.integers(1, 300)) * 40
        src = Source.SUGGESTED if i % 3 == 0 else Source.EDITED
        loc = ("left:*:*", "center:*:*", "right:*:*")[i % 3] if lane in ("Light", "Flash") else None
        kfs = sorted({(0, 0.2), (dur * 20, 0.9), (dur * 30, 0.5), (dur * 40 - 1, 0.1)}) if i % 10 == 0 else []
        conf = float(rng.random()) if src is Source.SUGGESTED else None
        segs.append(Segment(lane, start, start + dur, source=src, confidence=conf,
                            intensity=float(rng.random()), location=loc, keyframes=kfs, id=f"s{i}"))
    doc.add(segs)
    n = duration_ms // 1000
    doc.curves = Curves(1000, {lab: list(np.clip(rng.random(n), 0, 1)) for lab in LABELS})
    return doc


def fake_peaks(duration_ms: int):
    from mulse_author.gui.logic.waveform import Peaks

    n = duration_ms // 10
    rng = np.random.default_rng(1)
    amp = np.abs(rng.standard_normal(n)).astype(np.float32) * 0.2
    return Peaks(10.0, -amp, amp)


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def naive_paint(view, painter_cls):
    """Reference: draw every segment of every lane, no culling or merging."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage

    from mulse_author.gui import style
    from mulse_author.gui.logic.sublanes import seg_row_key

    img = QImage(view.viewport().size(), QImage.Format_ARGB32_Premultiplied)
    p = painter_cls(img)
    lay = view.layout_
    for s in view.editor.doc.segments():
        i = lay.row_index(seg_row_key(s))
        y = lay.lane_top(i) + 2
        p.setBrush(style.lane_colour(s.effect))
        x0, x1 = view.x_of(s.start_ms), view.x_of(s.end_ms)
        p.drawRoundedRect(QRectF(x0, y, x1 - x0, lay.row_h(i) - 4), 3, 3)
    p.end()


def culled_paint(view, painter_cls):
    from PySide6.QtGui import QImage

    img = QImage(view.viewport().size(), QImage.Format_ARGB32_Premultiplied)
    p = painter_cls(img)
    view.paint(p)
    p.end()


def bench_view(n_segments: int, repeat: int) -> dict:
    from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
    from PySide6.QtGui import QMouseEvent, QPainter
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from mulse_author.gui.editor import Editor
    from mulse_author.gui.logic.sublanes import seg_row_key
    from mulse_author.gui.timeline_view import TimelineView

    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    doc = make_doc(n_segments)
    build_ms = (time.perf_counter() - t0) * 1000
    ed = Editor(doc)
    view = TimelineView(ed)
    view.resize(1600, 520)
    view.show()
    app.processEvents()
    view.zoom_to_fit()
    view.set_peaks(fake_peaks(doc.media.duration_ms))
    out = {"build_doc_ms": build_ms}
    out["paint_fit_ms"] = median_ms(lambda: culled_paint(view, QPainter), repeat)
    out["paint_fit_naive_ms"] = median_ms(lambda: naive_paint(view, QPainter), max(3, repeat // 3))
    # a typical editing zoom: 2 minutes across the view, in the middle of the film
    view.set_scale(type(view.scale)(120_000 / view.time_width(), 3_600_000))
    out["paint_2min_ms"] = median_ms(lambda: culled_paint(view, QPainter), repeat)
    out["paint_2min_naive_ms"] = median_ms(lambda: naive_paint(view, QPainter), max(3, repeat // 3))

    # scrolling: every repaint at a new position (curves/waveform layer re-rendered each time)
    def scroll_and_paint():
        view.set_scale(type(view.scale)(view.scale.ms_per_px, view.scale.origin_ms + 40 * view.scale.ms_per_px))
        culled_paint(view, QPainter)

    out["paint_scroll_ms"] = median_ms(scroll_and_paint, repeat)

    # drag: press on a visible segment's body, then mouse moves; each step = event + repaint
    def drag_steps(zoom_desc: str, min_px: float) -> float:
        lay = view.layout_
        t0, t1 = view.t_of(lay.header_w), view.t_of(view.viewport().width())
        seg = None
        for row in lay.rows:
            cands = [s for s in view.index.query(row.key, t0, t1)
                     if view.x_of(s.start_ms) > lay.header_w + 20
                     and view.x_of(s.end_ms) - view.x_of(s.start_ms) > min_px
                     and view.x_of(s.end_ms) < view.viewport().width() - 300]
            if cands:
                seg = cands[0]
                break
        assert seg is not None, f"no draggable segment at {zoom_desc}"
        i = lay.row_index(seg_row_key(seg))
        x = int((view.x_of(seg.start_ms) + view.x_of(seg.end_ms)) / 2)
        y = lay.lane_top(i) + lay.row_h(i) // 2
        vp = view.viewport()
        QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, QPoint(x, y))
        times = []
        for k in range(1, repeat * 2 + 1):
            p = QPointF(x + 3 * k, y)
            ev = QMouseEvent(QEvent.MouseMove, p, QPointF(vp.mapToGlobal(p)), Qt.NoButton, Qt.LeftButton, Qt.NoModifier)
            t = time.perf_counter()
            QApplication.sendEvent(vp, ev)
            vp.repaint()  # synchronous paint, as the next frame would
            times.append((time.perf_counter() - t) * 1000)
        QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, QPoint(x + 6 * repeat, y))
        assert ed.undo_stack.count() >= 1
        return statistics.median(times)

    out["drag_update_2min_ms"] = drag_steps("2 min", 30)
    view.zoom_to_fit()
    out["drag_update_fit_ms"] = drag_steps("fit", 1.5)
    out["undo_steps_after_2_drags"] = ed.undo_stack.count()
    out["rows"] = len(view.layout_.rows)
    # 300 selected segments dragged together (the grabbed one plus 299 others across the film)
    ed.select([])
    view.set_scale(type(view.scale)(120_000 / view.time_width(), 3_600_000))
    out["drag_300_fit_ms"] = drag_steps_with_selection(view, ed, 300, repeat)
    out["drag_300_moved"] = out.pop("_moved", None)
    view.close()
    return out


def drag_steps_with_selection(view, ed, n: int, repeat: int) -> float:
    from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from mulse_author.gui.logic.sublanes import seg_row_key

    lay = view.layout_
    vp = view.viewport()
    grab = None
    for s in ed.doc.segments():
        if (view.x_of(s.end_ms) - view.x_of(s.start_ms) > 30
                and lay.header_w + 20 < view.x_of(s.start_ms) < vp.width() - 400):
            grab = s
            break
    others = [s.id for s in ed.doc.segments() if s.id != grab.id][:: max(1, len(ed.doc) // n)][: n - 1]
    ed.select([grab.id] + others)
    assert len(ed.selection) == n
    i = lay.row_index(seg_row_key(grab))
    x = int(round((view.x_of(grab.start_ms) + view.x_of(grab.end_ms)) / 2))
    y = lay.lane_top(i) + lay.row_h(i) // 2
    before = {sid: ed.doc.get(sid).start_ms for sid in ed.selection}
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, QPoint(x, y))
    times = []
    for k in range(1, repeat * 2 + 1):
        p = QPointF(x + 3 * k, y)
        ev = QMouseEvent(QEvent.MouseMove, p, QPointF(vp.mapToGlobal(p)), Qt.NoButton, Qt.LeftButton, Qt.NoModifier)
        t = time.perf_counter()
        QApplication.sendEvent(vp, ev)
        vp.repaint()
        times.append((time.perf_counter() - t) * 1000)
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, QPoint(x + 6 * repeat, y))
    moved = sum(ed.doc.get(sid).start_ms != before[sid] for sid in before)
    assert moved >= n - 5, f"only {moved} of {n} segments followed the drag"
    return statistics.median(times)


def bench_monitor(n_segments: int, repeat: int) -> tuple[float, float, float]:
    """The monitor's "what plays now" query at random instants, one monitor repaint with its
    query, and one repaint of the light surround around a 900x420 picture area (ms)."""
    from PySide6.QtWidgets import QApplication, QWidget

    from mulse_author.gui.editor import Editor
    from mulse_author.gui.logic.now_playing import NowPlaying
    from mulse_author.gui.monitor_widget import EffectMonitor
    from mulse_author.gui.surround_widget import SurroundFrame

    app = QApplication.instance() or QApplication([])
    doc = make_doc(n_segments)
    model = NowPlaying(doc.segments())
    rng = np.random.default_rng(2)
    ts = rng.integers(0, doc.media.duration_ms, 200)
    query = median_ms(lambda: [model.at(int(t)) for t in ts], repeat) / len(ts)
    ed = Editor(doc)
    mon = EffectMonitor(ed)
    mon.resize(260, 420)
    mon.show()
    sur = SurroundFrame(QWidget(), ed, mon.feed)  # a plain widget stands in for the video
    sur.resize(900, 420)
    sur.show()
    app.processEvents()  # exposed: repaint() paints only a shown window
    ed.set_playhead(int(ts[0]))

    def paint():
        ed.set_playhead(int(rng.integers(0, doc.media.duration_ms)))
        mon.refresh()
        mon.canvas.repaint()

    mon_ms = median_ms(paint, repeat)
    sur_times = []
    for _ in range(repeat):
        paint()
        t0 = time.perf_counter()
        sur.repaint()
        sur_times.append((time.perf_counter() - t0) * 1000)
    return query, mon_ms, statistics.median(sur_times)


STARTUP_SNIPPET = r"""
import time, sys, os
t0 = float(sys.argv[1])
from mulse_author.gui.app import make_app
app = make_app()
from mulse_author.gui.main_window import MainWindow
from mulse_author.gui.settings import AppSettings
w = MainWindow(settings=AppSettings(sys.argv[2]), autosave_dir=sys.argv[3])
w.show()
app.processEvents()
w.timeline.viewport().repaint()
print(f"{(time.time() - t0) * 1000:.1f}")
w.autosaver.clear()
os._exit(0)
"""


def bench_startup(tmp: Path, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", STARTUP_SNIPPET, str(t0), str(tmp / "s.ini"), str(tmp / "as")],
                             capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], timeout=120)
        if out.returncode != 0:
            raise SystemExit(f"start-up run failed:\n{out.stderr[-2000:]}")
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    import tempfile

    r = bench_view(args.segments, args.repeat)
    q_ms, mon_ms, sur_ms = bench_monitor(args.segments, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        start = bench_startup(Path(tmp))
    print(f"timeline: {args.segments} segments on a 2-hour film, 1600x520 px view (offscreen raster)")
    print(f"  repaint, whole film in view   : {r['paint_fit_ms']:7.2f} ms  "
          f"(naive all-segments reference {r['paint_fit_naive_ms']:.2f} ms, "
          f"ratio {r['paint_fit_ms'] / r['paint_fit_naive_ms']:.2f})")
    print(f"  repaint, 2 minutes in view    : {r['paint_2min_ms']:7.2f} ms  "
          f"(naive reference {r['paint_2min_naive_ms']:.2f} ms, "
          f"ratio {r['paint_2min_ms'] / r['paint_2min_naive_ms']:.3f})")
    print(f"  repaint while scrolling (2 min view, nothing cached): {r['paint_scroll_ms']:6.2f} ms "
          f"(ratio to 16 ms frame {r['paint_scroll_ms'] / 16:.2f})")
    print(f"  drag update (event + repaint), 2 min view: {r['drag_update_2min_ms']:6.2f} ms median "
          f"(target 16 ms, ratio {r['drag_update_2min_ms'] / 16:.2f})")
    print(f"  drag update (event + repaint), fit view  : {r['drag_update_fit_ms']:6.2f} ms median "
          f"(target 16 ms, ratio {r['drag_update_fit_ms'] / 16:.2f})")
    print(f"  drag update, 300 selected segments, 2 min view: {r['drag_300_fit_ms']:6.2f} ms median "
          f"(target 16 ms, ratio {r['drag_300_fit_ms'] / 16:.2f})")
    print(f"  undo steps after two drags: {r['undo_steps_after_2_drags']} (one per drag); {r['rows']} rows (sub-lanes)")
    print(f"monitor: what plays now {q_ms * 1000:.0f} us per query; query + monitor repaint {mon_ms:.2f} ms "
          f"(ratio to a 40 ms frame at 25 fps {mon_ms / 40:.3f}); light surround repaint {sur_ms:.2f} ms "
          f"(ratio {sur_ms / 40:.3f})")
    print(f"start-up to a painted main window: {start:.0f} ms median of 3 (target 2000 ms, ratio {start / 2000:.2f})")


if __name__ == "__main__":
    main()
