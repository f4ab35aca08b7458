"""The document model's examples of colour / scent / location terms are real MPEG-V terms."""

import inspect
import re

from mulse_author.document import model
from mulse_author.mpegv.colors import is_color_term
from mulse_author.mpegv.schemes import SPRAYING_TYPES, is_location_term, is_scent_term


def _example(field: str) -> str:
    src = inspect.getsource(model.Segment)
    m = re.search(rf"^\s*{field}: .*#:.*?e\.g\. \"([^\"]+)\"", src, re.M)
    assert m, f"no example for {field}"
    return m.group(1)


def test_examples_are_terms_of_their_schemes():
    assert is_color_term(_example("color"))
    assert is_scent_term(_example("scent"))
    assert is_location_term(_example("location"))
    assert "water" in SPRAYING_TYPES  # the sprayingType example in Segment.attrs
