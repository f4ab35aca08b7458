"""Detection: sliding windows over a whole video, probability curves, hysteresis segments.

The pipeline lives in :mod:`mulse_author.detect.analyze`
(``from mulse_author.detect.analyze import analyze``); it is not imported here so that
``from mulse_author.detect import DetectionSettings`` does not load torch.
"""

from .label_segment import LabelSegment
from .segmentation import DetectionSettings, detect_segments

__all__ = ["DetectionSettings", "LabelSegment", "detect_segments"]
