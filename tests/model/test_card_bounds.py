"""A model card is read from a regular file of at most MAX_CARD_BYTES, and odd JSON is a clear
CheckpointError (never a traceback, never gigabytes read)."""

import os

import pytest

from mulse_author.errors import CheckpointError
from mulse_author.model.checkpoint import MAX_CARD_BYTES, read_card


def test_oversized_card_is_refused_before_reading(tmp_path):
    p = tmp_path / "model_card.json"
    with open(p, "wb") as fh:
        fh.truncate(MAX_CARD_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(CheckpointError, match="more than"):
        read_card(p)


@pytest.mark.parametrize("text", ['{"labels": ' + "9" * 5000 + "}", "[" * 100_000, "\ud800"])
def test_odd_json_is_a_checkpoint_error(tmp_path, text):
    p = tmp_path / "model_card.json"
    p.write_bytes(text.encode("utf-8", "surrogatepass"))
    with pytest.raises(CheckpointError, match="model_card.json"):
        read_card(p)


def test_a_fifo_card_is_refused(tmp_path):
    p = tmp_path / "model_card.json"
    os.mkfifo(p)
    with pytest.raises(CheckpointError):
        read_card(p)
