"""Child process of the autosave kill test: edits a timeline every few ms and prints each edit
(``<n> <time.time()>``) once it is in the document; the test kills it at a random moment."""

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from guifixtures import sample_doc  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402

from mulse_author.document import Segment  # noqa: E402
from mulse_author.gui.app import make_app  # noqa: E402
from mulse_author.gui.main_window import MainWindow  # noqa: E402
from mulse_author.gui.settings import AppSettings  # noqa: E402

workdir, delay, n_base = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
app = make_app()
w = MainWindow(settings=AppSettings(os.path.join(workdir, "s.ini")), autosave_dir=os.path.join(workdir, "as"),
               autosave_interval_s=delay)
doc = sample_doc()
doc.add([Segment("Fog", i * 10, i * 10 + 5, id=f"base{i}") for i in range(n_base)])  # big: threaded write
w._set_document(doc)
count = [0]


def edit():
    i = count[0]
    w.editor.create_segment("Scent", 50_000 + i * 3, 50_000 + i * 3 + 2, label=f"edit{i}")
    print(i, repr(time.time()), flush=True)
    count[0] += 1


t = QTimer()
t.timeout.connect(edit)
t.start(15)
app.exec()
