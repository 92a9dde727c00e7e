"""Permission sweep: every page route and every API operation, as every kind of visitor (DESIGN §1).

The routes come from the URL resolver and the operations from the OpenAPI schema, so a new one
without an entry in `tests/sweep_table.py` fails `test_every_*_has_an_entry` by name. Each route ×
actor is its own test: anonymous → sign-in (302 to the login page, or 401/403 on the API); the
other company's user → 404 on a URL naming the home partner's object, or a list without it; a
partner user on a staff route and a role the rule refuses → 403 or 404; the permitted roles (every
partner-side one, two of the staff ones) → the page (200) or, for a write, anything but a refusal
or an error. No actor ever gets a 500.
"""

from __future__ import annotations

import json
import shutil

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.conftest import _clear_cache
from tests.sweep_table import API, PAGES, SKIPPED, Entry
from tests.sweep_world import STAFF_ACTORS, build_world

pytestmark = pytest.mark.django_db

REFUSED = (403, 404)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def _clean_cache_and_media():
    # The shared world's files (job results, attachments) live for the whole module.
    _clear_cache()
    yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the module, rolled back at its end; each test runs in a savepoint of it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


# --- the table covers every route and every operation -----------------------------------------


def resolver_routes(resolver=None, prefix: str = "", namespace: str | None = None):
    """(path pattern, URL name) of every route the project serves."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if pattern.namespace and namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from resolver_routes(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name or prefix + str(pattern.pattern)


def skip_reason(path: str, name: str) -> str | None:
    if path.startswith("api/v1/"):
        return "an API operation: swept from the OpenAPI schema"
    if path.startswith("admin/"):
        return SKIPPED["admin:"]
    for key, reason in SKIPPED.items():
        if name == key or (key.endswith(":") and name.startswith(key)):
            return reason
    return None


def schema_operations() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in ("GET", *WRITE_METHODS)
    )


def test_every_route_has_an_entry():
    routes = {name for path, name in resolver_routes() if skip_reason(path, name) is None}

    missing = sorted(routes - PAGES.keys())
    stale = sorted(PAGES.keys() - routes)

    assert not missing, (
        f"routes without a permission sweep entry in tests/sweep_table.py: {missing}"
    )
    assert not stale, f"sweep entries for routes that no longer exist: {stale}"


def test_every_api_operation_has_an_entry():
    operations = set(schema_operations())

    missing = sorted(operations - API.keys())
    stale = sorted(API.keys() - operations)

    assert not missing, f"API operations without a permission sweep entry: {missing}"
    assert not stale, f"sweep entries for API operations that no longer exist: {stale}"


def test_every_api_route_is_in_the_schema():
    """An API route hidden from the schema would escape the sweep: none is."""
    in_schema = {
        resolve(operation.split(" ", 1)[1].replace("{id}", "1")).url_name
        for operation in schema_operations()
    }
    served = {
        name
        for path, name in resolver_routes()
        if path.startswith("api/v1/") and skip_reason("", name) is None
    }

    assert served - in_schema == set()


# --- the sweep ---------------------------------------------------------------------------------


def cases(table: dict[str, Entry], kind: str):
    for key, entry in sorted(table.items()):
        expected: dict[str, str] = {}
        if not entry.public:
            expected["anonymous"] = "login"
        if entry.names_object:
            # On a staff route the other company's user is refused before any lookup.
            expected["other"] = "refused" if entry.staff_only else "not_found"
        elif entry.marker is not None:
            expected["other"] = "hidden"
        if entry.staff_only:
            expected["partner_admin"] = "refused"
        if entry.names_object and not entry.public and "distributor" not in entry.ok:
            # The dealer's distributor reads its profile summary, deals, accruals and statements
            # (DESIGN §1): every other URL naming the dealer's object refuses it.
            expected["distributor"] = "refused"
        for actor in entry.denied:
            expected[actor] = "hidden" if entry.marker is not None else "refused"
        # Every permitted partner-side actor, and two of the permitted staff roles: the other
        # staff roles pass the same check and would only lengthen the run.
        staff_ok = [actor for actor in entry.ok if actor in STAFF_ACTORS][:2]
        for actor in entry.ok:
            if actor not in STAFF_ACTORS or actor in staff_ok:
                expected[actor] = "ok"
        for actor, outcome in expected.items():
            yield pytest.param(kind, key, actor, outcome, id=f"{kind}:{key}::{actor}")


def page_url(world, key: str, entry: Entry) -> str:
    return reverse(key, kwargs=entry.kwargs(world) if entry.kwargs else None)


def api_url(world, key: str, entry: Entry) -> str:
    path = key.split(" ", 1)[1]
    for name, value in (entry.kwargs(world) if entry.kwargs else {}).items():
        path = path.replace("{" + name + "}", str(value))
    return path


def request(world, kind: str, key: str, actor: str):
    table = PAGES if kind == "page" else API
    entry = table[key]
    if kind == "page":
        client = Client()
        if actor != "anonymous":
            client.force_login(world.users[actor])
        url = page_url(world, key, entry)
    else:
        client = APIClient()
        if actor != "anonymous":
            client.force_authenticate(world.users[actor])
        url = api_url(world, key, entry)
    data = entry.data(world) if entry.data else {}
    method = entry.method if kind == "page" else key.split(" ", 1)[0]
    if method == "GET":
        return entry, method, client.get(url, data)
    if kind == "api":
        return (
            entry,
            method,
            client.generic(method, url, data=_json(data), content_type="application/json"),
        )
    return entry, method, client.post(url, data)


def _json(data: dict) -> str:
    return json.dumps(data, default=str)


@pytest.mark.parametrize(
    ("kind", "key", "actor", "outcome"), [*cases(PAGES, "page"), *cases(API, "api")]
)
def test_sweep(world, kind, key, actor, outcome):
    # given the shared world, when the actor calls the route
    entry, method, response = request(world, kind, key, actor)
    status = response.status_code

    # then it answers as DESIGN §1 says
    where = f"{kind} {key} ({method}) as {actor}: {status}"
    assert status < 500, where
    if outcome == "login":
        if kind == "page":
            assert status == 302 and "/accounts/login/" in response["Location"], where
        else:
            assert status in (401, 403), where
    elif outcome == "not_found":
        assert status == 404, where
    elif outcome == "refused":
        assert status in REFUSED, where
    elif outcome == "hidden":
        assert status in REFUSED or (
            status == 200 and entry.marker(world) not in response.getvalue().decode()
        ), where
    elif method == "GET":
        assert status == 200, where
        if actor in entry.conceal:
            body = response.getvalue().decode()
            assert [text for text in entry.conceal[actor](world) if text in body] == [], where
    else:
        assert status not in (*REFUSED, 405), where
