"""The Qt desktop app (all Qt code of Mulse Author lives here).

Modules: :mod:`.main_window` (wiring), :mod:`.timeline_view` (painting), :mod:`.timeline_mouse`
(mouse bindings), :mod:`.keybindings`, :mod:`.commands` (undo), :mod:`.editor` (edit session),
:mod:`.inspector`, :mod:`.player`, :mod:`.analysis_worker`, :mod:`.settings`, :mod:`.autosave`,
:mod:`.preferences`, :mod:`.help_dialog`; Qt-free timeline logic in :mod:`.logic`.
"""

from ._none_refcount import pin_none as _pin_none

_pin_none()  # before any QPainter call: see _none_refcount
