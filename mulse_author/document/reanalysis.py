"""A new analysis merged into an existing project, the way the editor's re-analysis does it:
the new suggestions replace the old ones, the author's accepted, changed and drawn segments stay (a new
suggestion that overlaps one of them on its lane is dropped), rejections are remembered, and the
curves and analysis facts are the new ones."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Source, TimelineDocument


@dataclass
class MergeSummary:
    kept: int  #: the author's segments (accepted, drawn, or suggestions the author changed), all kept
    replaced: int  #: old suggestions removed
    added: int  #: new suggestions added
    dropped: int  #: new suggestions left out: they overlap the author's work or were rejected


def merge_reanalysis(project: TimelineDocument, analysed: TimelineDocument) -> MergeSummary:
    """Merge ``analysed`` (a fresh analysis of the same media) into ``project``, in place."""
    new = [s for s in analysed.segments() if s.source is Source.SUGGESTED]
    kept = sum(s.source is not Source.SUGGESTED or s.touched for s in project.segments())
    removed, added = project.replace_suggestions(new)
    project.curves, project.analysis = analysed.curves, analysed.analysis
    if analysed.media is not None:
        project.media = analysed.media
    return MergeSummary(kept, len(removed), len(added), len(new) - len(added))
