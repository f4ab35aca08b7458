"""Time <-> pixel mapping of the timeline viewport.

A :class:`TimeScale` says how many ms one pixel spans and which time sits at the viewport's
left edge (the horizontal scroll position).  It is an immutable value: zooming and scrolling
return a new scale, which keeps undo-free view state easy to reason about and to test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: Zoom limits in ms per pixel: 0.5 ms/px shows single frames wide; 1 h/1000 px for long films.
MIN_MS_PER_PX = 0.5
MAX_MS_PER_PX = 60_000.0


@dataclass(frozen=True)
class TimeScale:
    ms_per_px: float = 100.0  #: ms covered by one pixel
    origin_ms: float = 0.0  #: time at x = 0 of the viewport (ms)

    def x_of(self, t_ms: float) -> float:
        """Viewport x (px, float) of a time in ms."""
        return (t_ms - self.origin_ms) / self.ms_per_px

    def t_of(self, x: float) -> float:
        """Time in ms under viewport x (px)."""
        return self.origin_ms + x * self.ms_per_px

    def px_to_ms(self, px: float) -> float:
        """A horizontal distance in px as a duration in ms."""
        return px * self.ms_per_px

    def visible_range(self, width_px: float) -> tuple[float, float]:
        return self.origin_ms, self.origin_ms + width_px * self.ms_per_px

    def clamped(self, duration_ms: float, width_px: float) -> "TimeScale":
        """Keep the zoom within limits and the view within ``[0, duration]``."""
        mpp = min(max(self.ms_per_px, MIN_MS_PER_PX), MAX_MS_PER_PX)
        span = width_px * mpp
        max_origin = max(0.0, duration_ms - span)
        return TimeScale(mpp, min(max(self.origin_ms, 0.0), max_origin))

    def zoomed_at(self, factor: float, x: float, duration_ms: float, width_px: float) -> "TimeScale":
        """Zoom by ``factor`` (> 1 zooms in) keeping the time under ``x`` where it is."""
        t = self.t_of(x)
        mpp = min(max(self.ms_per_px / factor, MIN_MS_PER_PX), MAX_MS_PER_PX)
        return TimeScale(mpp, t - x * mpp).clamped(duration_ms, width_px)

    def scrolled_to(self, origin_ms: float, duration_ms: float, width_px: float) -> "TimeScale":
        return replace(self, origin_ms=origin_ms).clamped(duration_ms, width_px)

    def following(self, t_ms: float, width_px: float, duration_ms: float, mode: str) -> "TimeScale":
        """The view that keeps the playhead ``t_ms`` in sight.

        ``mode="page"`` turns a page when the playhead leaves the view (Audacity/ELAN style);
        ``"continuous"`` keeps it centred; anything else leaves the view alone.
        """
        t0, t1 = self.visible_range(width_px)
        if mode == "page":
            if t_ms < t0 or t_ms >= t1:
                return self.scrolled_to(t_ms - 0.02 * (t1 - t0), duration_ms, width_px)
            return self
        if mode == "continuous":
            return self.scrolled_to(t_ms - (t1 - t0) / 2, duration_ms, width_px)
        return self


def fit_scale(duration_ms: float, width_px: float) -> TimeScale:
    """The scale showing the whole ``[0, duration]`` in ``width_px``."""
    width_px = max(width_px, 1.0)
    return TimeScale(max(duration_ms, 1000.0) / width_px, 0.0).clamped(duration_ms, width_px)
