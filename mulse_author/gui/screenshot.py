"""Screenshot of the main window with a project loaded (for the README).

``python -m mulse_author.gui.screenshot OUT.png [PROJECT] [--size WxH]``

Without PROJECT, a demo is generated in a temporary folder: a 3-minute video (PyAV) with
moving colour scenes and a sound track, and a project with suggested and edited segments on
every lane plus scene-label probability curves.  Run it under a display (``xvfb-run -s
"-screen 0 1600x1000x24"``) for real fonts and styles; offscreen works too.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..document import Curves, MediaRef, Segment, Source, TimelineDocument, save_project
from ..labels import LABELS
from ..media.synth import write_media
from ..mpegv.types import EFFECT_TYPES

DEMO_SECONDS = 180
DEMO_FPS = 25


def make_demo_video(path: Path, seconds: int = DEMO_SECONDS, fps: int = DEMO_FPS, size=(640, 360)) -> Path:
    """A video of slowly changing sunset/sea/fire-like gradients with a matching sound track."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)

    def picture(i, t):
        phase = t / seconds
        # sky-to-sea gradient whose hue drifts; a bright "sun" crossing the frame
        r = 0.5 + 0.5 * np.sin(2 * math.pi * (phase + yy / h * 0.5))
        g = 0.35 + 0.3 * np.sin(2 * math.pi * (phase * 2 + xx / w * 0.3))
        b = 0.55 + 0.4 * np.cos(2 * math.pi * (phase + yy / h * 0.3))
        cx, cy = w * (0.1 + 0.8 * (t % 20) / 20), h * 0.35
        sun = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 40.0 ** 2)))
        img = np.stack([r + sun, g + 0.8 * sun, b + 0.3 * sun], -1)
        return (np.clip(img, 0, 1) * 255).astype(np.uint8)

    sr = 22050
    rng = np.random.default_rng(3)
    t = np.arange(seconds * sr) / sr
    env = 0.15 + 0.25 * (0.5 + 0.5 * np.sin(2 * math.pi * t / 23)) * (0.5 + 0.5 * np.sin(2 * math.pi * t / 7.3))
    noise = np.convolve(rng.standard_normal(len(t)), np.ones(8) / 8, mode="same")
    sig = (env * noise * 0.6).astype(np.float32)
    for k in (40.0, 95.0, 130.0):  # explosions
        m = (t >= k) & (t < k + 1.5)
        sig[m] += (np.exp(-(t[m] - k) * 3) * rng.standard_normal(m.sum()) * 0.8).astype(np.float32)

    def bit_rate(v, a):
        v.bit_rate = 800_000

    return write_media(path, seconds, picture, np.clip(sig, -1, 1), size=size, fps=fps, sample_rate=sr,
                       video_codec="mpeg4", setup=bit_rate)


def make_demo_project(video: Path, seconds: int = DEMO_SECONDS, fps: int = DEMO_FPS) -> TimelineDocument:
    """A few dozen segments on every lane (suggested, edited, manual) and smooth label curves."""
    rng = np.random.default_rng(7)
    doc = TimelineDocument(MediaRef(str(video), seconds * 1000, fps=float(fps), width=640, height=360))
    step = 500
    n = seconds * 1000 // step
    t = np.arange(n) * step / 1000.0
    curves = {}
    for k, lab in enumerate(LABELS):
        base = 0.5 + 0.5 * np.sin(2 * math.pi * (t / (25 + 9 * k)) + k)
        bumps = sum(np.exp(-((t - c) ** 2) / (2 * (2 + k) ** 2)) for c in rng.uniform(0, seconds, 3))
        curves[lab] = list(np.clip(0.35 * base ** 3 + 0.7 * bumps + 0.03 * rng.standard_normal(n), 0, 1))
    doc.curves = Curves(step, curves)
    doc.analysis = {"model": "demo", "hop_s": 1.0, "warnings": []}
    label_for = {"Wind": "Wind", "Temperature": "Fire", "Light": "Fire", "Flash": "Explosion",
                 "Vibration": "Explosion", "Spraying": "Ocean", "Scent": "Fire", "Fog": "Rain"}
    colours = {"Light": "orange_web", "Flash": "white"}  # MPEG-V ColorCS terms
    segs = []
    for k, et in enumerate(EFFECT_TYPES):
        t0 = float(rng.uniform(0, 8))
        while t0 < seconds - 5:
            dur = float(rng.uniform(1.5, 14)) if et.name != "Flash" else float(rng.uniform(0.2, 0.8))
            kind = (Source.SUGGESTED, Source.EDITED, Source.MANUAL)[int(rng.choice(3, p=[0.5, 0.35, 0.15]))]
            s_ms = int(round(t0 * fps)) * 1000 // fps
            e_ms = min(seconds * 1000, s_ms + max(40, int(dur * 1000) // 40 * 40))
            segs.append(Segment(
                et.name, s_ms, e_ms, intensity=float(np.round(rng.uniform(0.3, 1.0), 2)),
                color=colours.get(et.name), location="center:*:front" if et.name in ("Wind", "Spraying") else None,
                scent="campfire" if et.name == "Scent" else None, source=kind,
                confidence=float(np.round(rng.uniform(0.35, 0.98), 2)) if kind is not Source.MANUAL else None,
                label=label_for.get(et.name) if kind is not Source.MANUAL else None))
            t0 += dur + float(rng.uniform(3, 22))
    # the room's left / centre / right lights at once, each its own colour (location sub-lanes)
    for k, (loc, col) in enumerate((("left:*:*", "red"), ("center:*:*", "orange_web"), ("right:*:*", "blue"))):
        for t0 in (44, 58, 96):
            segs.append(Segment("Light", (t0 + k) * 1000, (t0 + 9 + 2 * k) * 1000, intensity=0.8, color=col,
                                location=loc, source=Source.EDITED, label="Fire"))
    # intensity over time: a wind that builds up and dies down, a heat ramp
    segs.append(Segment("Wind", 47_000, 60_000, intensity=0.6, keyframes=[(0, 0.1), (5_000, 0.9), (13_000, 0.2)],
                        label="Wind"))
    segs.append(Segment("Temperature", 64_000, 76_000, intensity=0.5, keyframes=[(0, 0.2), (12_000, 0.9)]))
    flat = []
    for s in sorted(segs, key=lambda s: s.start_ms):  # keep the demo free of same-row overlaps
        if not any(o.effect == s.effect and o.location == s.location and o.overlaps(s.start_ms, s.end_ms)
                   for o in flat):
            flat.append(s)
    doc.add(flat)
    return doc


def take(out: str, project: str | None = None, size=(1600, 960), at_ms: int = 52_000) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen") if not os.environ.get("DISPLAY") else None
    # Qt only once QT_QPA_PLATFORM is set
    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtWidgets import QApplication

    from .app import make_app
    from .main_window import MainWindow
    from .settings import AppSettings

    tmp = Path(tempfile.mkdtemp(prefix="mulse-shot-"))
    if project is None:
        video = make_demo_video(tmp / "demo.mp4")
        project = str(tmp / "demo.mulse.json")
        save_project(make_demo_project(video), project)
    app = make_app()
    win = MainWindow(settings=AppSettings(tmp / "settings.ini"), autosave_dir=tmp / "autosave")
    win.resize(*size)
    win.show()
    if not win.open_path(project):
        raise SystemExit(f"cannot open {project}: {win.messages[-1] if win.messages else ''}")

    def pump(ms: int, until=None):
        timer = QElapsedTimer()
        timer.start()
        while timer.elapsed() < ms and not (until and until()):
            app.processEvents()
            QApplication.instance().thread().msleep(10)

    pump(8000, lambda: win.player.duration_ms() > 0)
    win.timeline.set_scale(type(win.timeline.scale)(110_000 / win.timeline.time_width(), 20_000))
    win.seek(at_ms)
    pump(6000, lambda: win.player.last_frame_ms is not None and abs(win.player.last_frame_ms - at_ms) < 80
         and win.timeline.peaks is not None)
    # select a couple of segments so the inspector shows something
    # a few edits, as an author would have made, so the history shows them
    ed = win.editor
    sugg = [s for s in ed.doc.segments("Wind") if s.source is Source.SUGGESTED]
    if sugg:
        ed.accept([sugg[0].id])
    heat = [s for s in ed.doc.segments("Temperature") if s.start_ms > 40_000][:1]
    if heat:
        ed.update_segments({heat[0].id: {"end_ms": heat[0].end_ms + 2000}}, "Trim segment")
    ed.set_playhead(at_ms)
    segs = [s for s in win.editor.doc.segments("Wind") if s.keyframes][:1]
    if segs:
        win.editor.select([segs[0].id])
    win.editor.set_current_lane("Light", "center:*:*")
    pump(500)
    img = _capture(win)
    out_p = Path(out)
    out_p.parent.mkdir(parents=True, exist_ok=True)
    img.save(str(out_p))
    win.editor.undo_stack.setClean()
    win.close()
    return out_p


def _capture(win):
    """The window as shown.  On a real (X/Xvfb) display the screen itself is read, so the
    video surface, which draws outside the widget backing store, is in the picture; otherwise
    the widget tree is rendered and the player's current frame is drawn into the video area."""
    from PySide6.QtCore import QPoint, QRect, Qt  # Qt only once take() has set QT_QPA_PLATFORM
    from PySide6.QtGui import QGuiApplication, QPainter

    if os.environ.get("DISPLAY") and QGuiApplication.platformName() == "xcb":
        geo = win.frameGeometry()
        pm = QGuiApplication.primaryScreen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
    else:
        pm = win.grab()
    frame = win.video.videoSink().videoFrame()
    if frame.isValid():
        # if the video area came out blank (offscreen, or no GL under Xvfb) draw the frame
        img = frame.toImage()
        top_left = win.video.mapTo(win, QPoint(0, 0))
        area = QRect(top_left, win.video.size())
        probe = pm.toImage().pixelColor(area.center())
        if probe.lightness() < 5 or probe == win.palette().window().color():
            p = QPainter(pm)
            p.fillRect(area, Qt.black)
            scaled = img.scaled(area.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation)
            p.drawImage(area.x() + (area.width() - scaled.width()) // 2,
                        area.y() + (area.height() - scaled.height()) // 2, scaled)
            p.end()
    return pm


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    size = (1600, 960)
    if "--size" in argv:
        k = argv.index("--size")
        size = tuple(int(v) for v in argv[k + 1].lower().split("x"))
        argv = argv[:k] + argv[k + 2:]
    path = take(argv[0], argv[1] if len(argv) > 1 else None, size=size)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
