"""The bimodal scene classifier: config, network and variants, checkpoints + model card.

>>> from mulse_author.model import BimodalNet, ModelConfig
>>> net = BimodalNet(ModelConfig.compact())
"""

from mulse_author.model.config import VARIANTS, ModelConfig, ModelConfigError
from mulse_author.model.network import BimodalNet, ModelInputError, bce_loss

__all__ = [
    "VARIANTS",
    "BimodalNet",
    "ModelConfig",
    "ModelConfigError",
    "ModelInputError",
    "bce_loss",
]
