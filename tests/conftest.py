import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from accounts.choices import Role

from .factories import PartnerFactory, PartnerUserFactory, UserFactory

pytest_plugins = ["tests.browser.harness"]


def _clear_cache() -> None:
    """Delete the cache's own keys only: FLUSHDB would also drop the tasks queued in the broker
    (the same Redis database) from under a worker test running in another xdist process."""
    client = getattr(cache, "_cache", None)
    if not hasattr(client, "get_client"):  # not Redis
        cache.clear()
        return
    redis = client.get_client(write=True)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    keys = list(
        redis.scan_iter(match=f"{prefix}:*", count=1000)
    )  # Django's keys: prefix:version:key
    if keys:
        redis.delete(*keys)


@pytest.fixture(autouse=True)
def _clean_cache_and_media():
    _clear_cache()
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request by a Chinese-speaking user activates
    Chinese for the thread (accounts' language middleware), which must not leak into the next
    test's messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def partner(db):
    return PartnerFactory()


@pytest.fixture
def other_partner(db):
    return PartnerFactory()


@pytest.fixture
def partner_user(partner):
    return PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)


@pytest.fixture
def other_partner_user(other_partner):
    return PartnerUserFactory(partner=other_partner, role=Role.PARTNER_ADMIN)


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def manager(db):
    return UserFactory(role=Role.CHANNEL_MANAGER)


@pytest.fixture
def finance_user(db):
    return UserFactory(role=Role.FINANCE)


@pytest.fixture
def api_client():
    return APIClient()


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block's on-commit callbacks (e-mails, queued tasks) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
