"""Stored stream maps (stage 2c) pool the very regions the app pools."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mulse_author.detect.inference import whole_stream_embeddings  # noqa: E402
from mulse_author.features.mel import mel_power  # noqa: E402
from training.fmaps import map_regions, stream_map  # noqa: E402

TRAINED = Path(__file__).resolve().parents[2] / "trained"


@pytest.fixture(scope="module")
def encoder():
    if not (TRAINED / "model.safetensors").exists():
        pytest.skip("no trained model")
    from training.aisfx_weights import load_encoder

    return load_encoder(TRAINED)


@pytest.mark.parametrize("seconds", [0.4, 3.0, 14.3])
def test_stored_map_regions_equal_the_app_regions(encoder, seconds):
    rng = np.random.default_rng(int(seconds * 10))
    n = int(seconds * 22050)
    t = np.arange(n) / 22050
    # noise with a loud burst, so max and mean differ from region to region
    x = (0.02 * rng.standard_normal(n) + 0.5 * np.sin(2 * np.pi * 220 * t) * (np.abs(t - seconds / 3) < 0.3))
    x = x.astype(np.float32)
    power = mel_power(torch.from_numpy(x), precise=False).numpy()
    ref, q_ref = whole_stream_embeddings(encoder, power, 1.0, normalise=True)
    got, q = map_regions(stream_map(encoder, x))
    assert np.array_equal(q, q_ref)
    ref = ref.numpy()
    # float16 storage: about 3 significant digits
    assert np.allclose(got, ref, rtol=2e-3, atol=2e-3 * np.abs(ref).max())
    assert np.abs(ref[:, :512] - ref[:, 512:]).max() > 0.01  # max and mean differ: not a trivial map
