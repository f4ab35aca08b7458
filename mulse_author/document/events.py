"""Typed document events: what a :class:`TimelineDocument` tells its listeners.

``DocEvent`` is a ``str`` enum, so listeners written for the old bare strings
(``event == "changed"``) keep working.
"""

from __future__ import annotations

from enum import Enum


class DocEvent(str, Enum):
    ADDED = "added"  #: ids of new segments
    REMOVED = "removed"  #: ids of segments that left the document
    CHANGED = "changed"  #: ids of segments whose fields changed
    RESET = "reset"  #: everything may have changed (ids empty)

    def __str__(self) -> str:  # prints as the plain name, like the strings it replaces
        return self.value
