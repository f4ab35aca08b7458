"""Long painting sessions must not crash (PySide6 drops a reference to None per void call)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_many_painter_calls_do_not_abort():
    # in a fresh interpreter: 200 000 void QPainter calls, far more than None's initial refcount
    code = textwrap.dedent("""
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import mulse_author.gui  # applies the workaround
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QColor, QImage, QPainter
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        img = QImage(64, 64, QImage.Format_ARGB32_Premultiplied)
        p = QPainter(img)
        for _ in range(100_000):
            p.drawLine(QPointF(0, 0), QPointF(5, 5))
            p.fillRect(0, 0, 3, 3, QColor(1, 2, 3))
        p.end()
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
