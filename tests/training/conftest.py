"""Fixtures for the training tests: a tiny network config and tiny synthetic data."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import pytest

from training.config import OptimConfig, TrainConfig, model_config_from_spec
from training.dataspec import DataSpec

TINY_MODEL = {"preset": "compact", "variant": "audio", "audio_frames": 54, "video_frames": 4,
              "audio_conv1_filters": 4, "audio_conv2_filters": 4, "audio_fc": 32,
              "video_filters": [4, 8, 8], "video_lstm": 16, "embedding_dim": 16,
              "fusion_hidden": [16], "dropout": 0.1, "name": "test-tiny"}


@pytest.fixture
def tiny_config() -> TrainConfig:
    return TrainConfig(
        model=model_config_from_spec(TINY_MODEL),
        data=DataSpec(kind="synthetic", n_train=48, n_val=24, n_test=24, seed=0),
        optimizer=OptimConfig(name="adam", lr=0.01),
        epochs=3, batch_size=16, seed=0, name="tiny")


@pytest.fixture
def tiny_model_spec() -> dict:
    """The tiny network as a JSON model spec (audio variant; copy and change ``variant``)."""
    return dict(TINY_MODEL)


ROOT = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=None)
def _load_script(relpath: str):
    path = ROOT / relpath
    sys.path.insert(0, str(path.parent))  # the numbered stages import their neighbours' helpers
    spec = importlib.util.spec_from_file_location(path.stem.replace("-", "_"), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def script():
    """``script("scripts/model2/5_report.py")``: a script of the repository (not a package: its
    name starts with a digit) loaded as a module, once per session."""
    return _load_script
