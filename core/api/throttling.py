"""API throttling that fails open: the rate counters live in the cache (Redis); when the cache is
unreachable the API keeps answering, unthrottled, and says so in the log (DESIGN §9)."""

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


class PortalAnonRateThrottle(FailOpenThrottleMixin, AnonRateThrottle):
    pass


class PortalUserRateThrottle(FailOpenThrottleMixin, UserRateThrottle):
    pass
