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


