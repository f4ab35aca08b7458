"""The timeline document: what the author edits, saves as a project and exports.

Plain Python, no Qt.  The GUI wraps every mutation in an undo command that calls the
methods of :class:`TimelineDocument`; exporters and importers read and build it.
"""

from .model import Curves, MediaRef, Segment, Source, TimelineDocument
from .project import load_project, save_project

__all__ = [
    "Curves",
    "MediaRef",
    "Segment",
    "Source",
    "TimelineDocument",
    "load_project",
    "save_project",
]
