"""Keyboard shortcuts: one table used both to install the actions and to list them in Help."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Binding:
    name: str  #: action name (key of :func:`mulse_author.gui.actions.handlers`)
    keys: tuple[str, ...]  #: QKeySequence strings
    help: str
    group: str


BINDINGS: tuple[Binding, ...] = (
    Binding("play_pause", ("Space",), "Play / pause", "Playback"),
    Binding("frame_back", ("Left",), "One frame back", "Playback"),
    Binding("frame_fwd", ("Right",), "One frame forward", "Playback"),
    Binding("second_back", ("Shift+Left",), "One second back", "Playback"),
    Binding("second_fwd", ("Shift+Right",), "One second forward", "Playback"),
    Binding("shuttle_j", ("J",), "Shuttle backward (press again: faster)", "Playback"),
    Binding("shuttle_k", ("K",), "Stop shuttle / pause", "Playback"),
    Binding("shuttle_l", ("L",), "Shuttle forward (press again: faster)", "Playback"),
    Binding("go_home", ("Home",), "Go to start", "Playback"),
    Binding("go_end", ("End",), "Go to end", "Playback"),
    Binding("create", ("N", "Return"), "New segment at the playhead on the current lane", "Editing"),
    Binding("delete", ("Delete", "Backspace"), "Delete selected segments", "Editing"),
    Binding("split", ("S",), "Split selection (or current lane) at the playhead", "Editing"),
    Binding("set_in", ("I",), "Set start of selection "
            "(or retime the suggestion at the playhead) to the playhead", "Editing"),
    Binding("set_out", ("O",), "Set end of selection "
            "(or retime the suggestion at the playhead) to the playhead", "Editing"),
    Binding("review_next", ("]",), "Next suggestion to review (above the Review ≥ confidence)", "Review"),
    Binding("review_prev", ("[",), "Previous suggestion to review", "Review"),
    Binding("accept", ("A",), "Accept the selected suggestions "
            "(or the one at the playhead), then go to the next", "Review"),
    Binding("accept_all", ("Shift+A",), "Accept all suggestions", "Review"),
    Binding("reject", ("R",), "Reject the selected suggestions "
            "(or the one at the playhead), then go to the next", "Review"),
    Binding("reject_all", ("Shift+R",), "Reject all suggestions", "Review"),
    Binding("select_under", ("D",), "Select the segment under the playhead (current row first)", "Review"),
    Binding("copy", ("Ctrl+C",), "Copy selected segments", "Editing"),
    Binding("paste", ("Ctrl+V",), "Paste at the playhead", "Editing"),
    Binding("duplicate", ("Ctrl+D",), "Duplicate the selection right after itself", "Editing"),
    Binding("add_keyframe", ("Shift+K",), "Intensity keyframe at the playhead on the selected segments", "Editing"),
    Binding("nudge_left", ("Alt+Left",), "Move selection one frame earlier", "Editing"),
    Binding("nudge_right", ("Alt+Right",), "Move selection one frame later", "Editing"),
    Binding("select_all", ("Ctrl+A",), "Select all segments", "Editing"),
    Binding("select_none", ("Escape",), "Clear selection", "Editing"),
    Binding("lane_up", ("Up",), "Current lane up", "Editing"),
    Binding("lane_down", ("Down",), "Current lane down", "Editing"),
    Binding("zoom_in", ("Ctrl+=", "Ctrl++", "="), "Zoom in", "View"),
    Binding("zoom_out", ("Ctrl+-", "-"), "Zoom out", "View"),
    Binding("zoom_fit", ("Ctrl+0", "\\"), "Zoom to fit the whole video", "View"),
    Binding("toggle_follow", ("F",), "Playhead follow: page / continuous / off", "View"),
    Binding("toggle_snap", ("G",), "Snapping on/off (hold Shift or Alt while dragging to bypass)", "View"),
)

#: Shortcuts provided by standard menu actions (listed in Help too)
MENU_SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("Ctrl+Z", "Undo", "Editing"),
    ("Ctrl+Shift+Z / Ctrl+Y", "Redo", "Editing"),
    ("Ctrl+O", "Open video or project", "File"),
    ("Ctrl+S", "Save project", "File"),
    ("Ctrl+Shift+S", "Save project as…", "File"),
    ("Ctrl+E", "Export SEM…", "File"),
    ("Ctrl+Shift+E", "Export NCL…", "File"),
    ("Ctrl+R", "Analyze video", "Analysis"),
    ("Ctrl+wheel", "Zoom around the mouse", "View"),
    ("Wheel", "Scroll the timeline", "View"),
    ("Double-click lane", "New segment there", "Mouse"),
    ("Drag edge / body", "Trim / move (to another lane: retype)", "Mouse"),
    ("Shift/Ctrl+click", "Add to / toggle selection", "Mouse"),
    ("Drag on empty lane", "Rubber-band selection", "Mouse"),
    ("Shift (or Alt) while dragging", "No snapping", "Mouse"),
    ("Drag straight up/down", "Retype / relocate, time kept", "Mouse"),
    ("Header M / S / L / H", "Mute, solo, lock, hide a row", "Mouse"),
    ("Shift+double-click segment", "Add an intensity keyframe there", "Mouse"),
    ("Drag a keyframe", "Its time (sideways) and value (up/down)", "Mouse"),
    ("Click/drag ruler", "Scrub", "Mouse"),
)
