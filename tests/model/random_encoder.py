"""An aiSFX encoder with random weights and non-trivial BatchNorm statistics, for the precision tests
(folding a BatchNorm into its convolution must use all four of its tensors)."""

import torch

from mulse_author.model.encoders.aisfx import AisfxEncoder


def random_encoder(seed: int = 0) -> AisfxEncoder:
    torch.manual_seed(seed)
    enc = AisfxEncoder()
    with torch.no_grad():
        for m in enc.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    return enc.eval()
