"""Pure timeline logic for the editor: no Qt here, so it is tested without a display.

- :mod:`.timecode` — ms <-> frame numbers and time strings
- :mod:`.mapping` — time <-> pixel mapping, zoom around a point, zoom to fit
- :mod:`.ticks` — ruler tick spacing that adapts to the zoom
- :mod:`.snapping` — snapping of times to the playhead, segment edges and frames
- :mod:`.lane_index` — per-lane sorted segment index: visible range queries and hit-testing
- :mod:`.layout` — vertical layout of ruler, lanes, curves and waveform strip
- :mod:`.waveform` — audio peak envelope for the waveform strip
"""
