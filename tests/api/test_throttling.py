"""API throttles (core/api/throttling.py): a user's requests beyond the rate in one window are
answered 429 with Retry-After; another user, or the next window, is not held back."""

import pytest
from rest_framework.test import APIClient

from core.api import throttling
from tests.factories import PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute(settings, monkeypatch):
    monkeypatch.setattr(throttling.PortalUserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    clock = [1_000_000.0]
    monkeypatch.setattr(throttling.PortalUserRateThrottle, "timer", lambda self: clock[0])
    return clock


def test_beyond_the_rate_a_user_waits_for_the_next_window(three_a_minute, partner):
    user, other = PartnerUserFactory(partner=partner), PartnerUserFactory(partner=partner)
    client = APIClient()
    client.force_authenticate(user)
    assert [client.get("/api/v1/jobs/").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = client.get("/api/v1/jobs/")
    assert refused.status_code == 429 and 0 <= int(refused["Retry-After"]) <= 60
    # Another user has a counter of their own.
    client.force_authenticate(other)
    assert client.get("/api/v1/jobs/").status_code == 200
    # The next window starts afresh.
    three_a_minute[0] += 60
    client.force_authenticate(user)
    assert client.get("/api/v1/jobs/").status_code == 200
