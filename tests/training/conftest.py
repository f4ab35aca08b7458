"""Fixtures for the training tests: a tiny network config and tiny synthetic data."""

from __future__ import annotations

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
