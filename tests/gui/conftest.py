"""GUI test fixtures: Qt offscreen, generated videos (PyAV) and documents."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from guifixtures import make_video  # noqa: E402


@pytest.fixture(scope="session")
def video_path(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "frames.mp4")




def pytest_collection_modifyitems(config, items):
    # pytest-qt's Qt message capture runs a Python handler on whatever thread logs; the
    # multimedia decoder threads log while QMediaPlayer.stop() holds the GIL waiting for them,
    # which deadlocks.  The app itself installs no Python message handler.
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.no_qt_log)
