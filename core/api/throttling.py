"""API throttling that fails open: the rate counters live in the cache (Redis); when the cache is
unreachable the API keeps answering, unthrottled, and says so in the log (DESIGN §9).

Requests are counted per fixed window (one counter per user or address and window, `INCR`)
instead of DRF's list of every request's time, which is read, unpickled, trimmed, pickled and
written back on every request: at a busy client's rate that list alone cost about a millisecond of
CPU per request. A fixed window lets a client send up to twice the rate across a window's edge;
the limits guard against runaway clients, for which that is close enough.
"""

from __future__ import annotations

import logging

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class FailOpenThrottleMixin:
    """An outage of the cache must not turn every API call into a 500: let the request through."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # noqa: BLE001 (any cache backend failure)
            logger.warning("API throttling skipped, the cache is unreachable: %s", exc)
            return True


class WindowCountThrottleMixin:
    """`num_requests` per `duration`, counted in the window the request falls in."""

    window_ends_at = 0.0

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        duration = int(self.duration)
        window = int(self.timer() // duration)
        self.window_ends_at = (window + 1) * duration
        key = f"{key}:w{window}"
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's first request
            self.cache.add(key, 0, duration + 1)
            count = self.cache.incr(key)
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the next window (at least one)."""
        return max(1.0, self.window_ends_at - self.timer())


class PortalAnonRateThrottle(FailOpenThrottleMixin, WindowCountThrottleMixin, AnonRateThrottle):
    pass


class PortalUserRateThrottle(FailOpenThrottleMixin, WindowCountThrottleMixin, UserRateThrottle):
    pass
