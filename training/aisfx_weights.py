"""Convert the aisfx 0.1.2 wheel's pickled checkpoint to safetensors, once, offline.

    python -m training.aisfx_weights WHEEL OUT.safetensors

The wheel is PyPI's ``aisfx-0.1.2-py2.py3-none-any.whl`` (``pip download aisfx==0.1.2 --no-deps``);
its ``aisfx/models/checkpoint.pth`` holds ``(state_dict, ds_dict)``. It is read with
``torch.load(weights_only=True)`` (only tensors, dicts and the numpy scalar type it stores are
allowed: no code runs), the ``embedding_net.*`` tensors are kept (the dataset-specific heads are
dropped) and written with the filter bank of :mod:`mulse_author.model.encoders.aisfx`.
The app only ever reads the safetensors file.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from mulse_author.model import load_checkpoint
from mulse_author.model.encoders.aisfx import LEVEL_REF, AisfxEncoder, aisfx_filter_bank, aisfx_mel_map

MEMBER = "aisfx/models/checkpoint.pth"
#: sha256 of the wheel the shipped model was built from (PyPI aisfx 0.1.2).
WHEEL_SHA256 = "bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194"


def load_aisfx_state(wheel: str) -> dict[str, torch.Tensor]:
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(MEMBER)
    scalar = np._core.multiarray.scalar if hasattr(np, "_core") else np.core.multiarray.scalar
    torch.serialization.add_safe_globals([(scalar, "numpy.core.multiarray.scalar"), np.dtype,
                                          (type(np.dtype("int64")), "numpy.dtype[int64]")])
    weights, _ = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    prefix = "embedding_net."
    return {k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)}


def converted_encoder(wheel: str) -> AisfxEncoder:
    enc = AisfxEncoder()
    state = load_aisfx_state(wheel)
    state["mel_fb"] = aisfx_filter_bank()
    state["mel_map"] = aisfx_mel_map()
    state["level_ref"] = torch.tensor(LEVEL_REF)
    missing, unexpected = enc.load_state_dict(state, strict=False)
    missing = [k for k in missing if k != "window"]
    if missing or unexpected:
        raise SystemExit(f"aisfx checkpoint mismatch: missing {missing}, unexpected {unexpected}")
    return enc.eval()


def load_encoder(path) -> AisfxEncoder:
    """The frozen aiSFX encoder from a converted safetensors file (:func:`main`) or from a
    checkpoint directory whose model holds it (e.g. ``trained/``)."""

    path = Path(path)
    if path.is_dir():
        net, _ = load_checkpoint(path)
        return net.audio.encoder.eval()
    enc = AisfxEncoder()
    enc.load_state_dict(load_file(str(path)), strict=False)
    return enc.eval()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel")
    ap.add_argument("out")
    ap.add_argument("--sha256", help="expected sha256 of the wheel")
    a = ap.parse_args(argv)
    digest = hashlib.sha256(open(a.wheel, "rb").read()).hexdigest()
    if a.sha256 and digest != a.sha256:
        raise SystemExit(f"{a.wheel}: sha256 {digest} != expected {a.sha256}")
    enc = converted_encoder(a.wheel)
    tensors = {k: v.contiguous() for k, v in enc.state_dict().items()}
    save_file(tensors, a.out, metadata={"source": "aisfx 0.1.2 (CC BY 4.0)", "wheel_sha256": digest})
    print(f"wrote {a.out}: {sum(v.numel() for v in tensors.values())} values, wheel sha256 {digest}")


if __name__ == "__main__":
    main()
