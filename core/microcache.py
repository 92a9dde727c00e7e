"""A few seconds' cache of whole responses for the hot lists and dashboards (DESIGN §8.1, §10).

The common lists are opened far more often than their rows change: a page computed for one user is
kept `PRM_MICROCACHE_SECONDS` (a few seconds) and answered again to the same user's same request
without running the view. What a cached answer may and may not be:

- **Only the same user, session and request**: the key is made of the user (id, role, company,
  superuser flag), the session (its key, the password hash it was signed in with, the CSRF cookie
  — so the form tokens in a cached page stay valid for that browser), the language, the host and
  scheme, the path with its sorted query, and the `Accept` and `HX-*` headers; an answer is kept with the versions
  (below) it was computed under and served only while they are current. A cached answer never
  crosses users or companies.
- **Authentication and permissions run first**: the cache sits inside the view (after
  `login_required`, role checks, DRF authentication, permissions and throttles), so a sign-out,
  a password change, a deactivation, a frozen company or a changed role bites at once.
- **Your own changes show at once** (read-your-own-writes): every write of a portal row bumps, once
  its transaction commits, the version of the row's company and the vendor-wide one; every
  non-GET request of a signed-in user bumps their company's (or, for staff, the vendor-wide)
  version too, which covers set-based writes that send no signals. A staff key carries the
  vendor-wide version, a partner key its company's: the next read after a change misses.
  Changes by others to rows of another company (a distributor's dealer, say) show within the TTL.
- **Only plain successes**: GET answers with status 200 that set no cookie, left the session
  unchanged and did not need a new CSRF cookie; never while the user has messages waiting
  (the page that shows them computes afresh).
- **Reads are still logged**: the customer-data reads (`core.audit.audit_read`) a cached answer's
  computation logged are logged again on every answer from the cache (DESIGN §9).
- **Fails open**: with the cache unreachable the request is computed as without it (and the cache
  is not tried again for a few seconds, so a hung Redis costs one timeout, not one per request).

Use `@microcached` under the view's permission decorators, and `MicrocachedListMixin` on an API
viewset. `PRM_MICROCACHE_SECONDS = 0` turns it off; without a shared cache (no `REDIS_URL`: a
cache per process) it is off too.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .audit import audit_reads_recorded, audit_reads_replay

logger = logging.getLogger(__name__)

STAFF_VERSION = "mc:v:staff"
# A version key outlives every page stored under it many times over; a lost one reads as "0",
# under which nothing younger than the pages' TTL can be stored.
VERSION_SECONDS = 60 * 60
# After a cache failure the cache is left alone this long (fail open, and fast).
PAUSE_AFTER_FAILURE = 5.0
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
# Rows whose writes change no list a user sees, or that a read itself writes (the audit rows of
# customer-data reads): they bump nothing, else every partner list read would empty the cache.
NOT_SHOWN = frozenset(
    {
        "core.auditevent",
        "core.jobrun",
        "core.jobchunk",
        "core.joblease",
        "core.outboxmessage",
        "core.idempotencykey",
        "sessions.session",
        "admin.logentry",
        "contenttypes.contenttype",
        "authtoken.token",
    }
)
NOT_SHOWN_APPS = frozenset({"axes", "django_celery_beat", "django_celery_results"})

_paused_until = 0.0


def seconds() -> float:
    return float(getattr(settings, "PRM_MICROCACHE_SECONDS", 0) or 0)


def _cache():
    return caches["default"]


def _shared() -> bool:
    """Whether every web process sees the same cache: a process-local one (no REDIS_URL) would
    keep a process's answers past another process's version bump."""
    return not isinstance(_cache(), LocMemCache)


def _available() -> bool:
    return seconds() > 0 and time.monotonic() >= _paused_until and _shared()


def _failed(exc: Exception) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
    logger.warning("Response cache skipped, the cache is unreachable: %s", exc)


# --- Versions: what a write changes -------------------------------------------------------------


def company_version(partner_id: int) -> str:
    return f"mc:v:c:{partner_id}"


def _version_keys_of(user) -> list[str]:
    if user.is_partner_user:
        return [company_version(user.partner_id)]
    return [STAFF_VERSION]


def bump(keys: Iterable[str]) -> None:
    """Give each version key a new value: the pages stored under the old one are never read again."""
    keys = set(keys)
    if not keys or not _available():
        return
    value = time.time_ns()
    try:
        _cache().set_many(dict.fromkeys(keys, value), timeout=VERSION_SECONDS)
    except Exception as exc:  # noqa: BLE001 (any cache backend failure: fail open)
        _failed(exc)


def bump_for_user(user) -> None:
    """A user's own change, whatever it wrote: their company's version and the vendor-wide one."""
    keys = [STAFF_VERSION]
    if getattr(user, "partner_id", None):
        keys.append(company_version(user.partner_id))
    bump(keys)


def bump_on_commit(keys: Iterable[str], using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump `keys` once the current transaction commits (at once outside one). The keys of one
    transaction are gathered and bumped together, in one round trip."""
    connection = connections[using]
    if not connection.in_atomic_block:
        bump(keys)
        return
    pending = getattr(connection, "_microcache_pending", None)
    # The flush registered for this transaction is gone once it committed or rolled back.
    if (
        pending is None
        or pending.done
        or not any(func is pending.callback for _sids, func, _robust in connection.run_on_commit)
    ):
        pending = _Pending()
        connection._microcache_pending = pending
        transaction.on_commit(pending.callback, using=using, robust=True)
    pending.keys.update(keys)


@dataclass
class _Pending:
    keys: set[str] = field(default_factory=set)
    done: bool = False

    def __post_init__(self) -> None:
        self.callback = self.flush  # one bound method, so it can be found again in the queue

    def flush(self) -> None:
        self.done = True
        bump(self.keys)


def _row_written(sender, instance, using, **kwargs) -> None:
    meta = sender._meta
    if meta.app_label in NOT_SHOWN_APPS or meta.label_lower in NOT_SHOWN:
        return
    if not _available() or kwargs.get("raw"):
        return
    keys = [STAFF_VERSION]
    if meta.label == settings.PRM_PARTNER_MODEL:
        partner_id = instance.pk
    else:
        partner_id = getattr(instance, "partner_id", None)
    if isinstance(partner_id, int):
        keys.append(company_version(partner_id))
    bump_on_commit(keys, using=using)


def _relation_changed(sender, instance, action, using, **kwargs) -> None:
    if action.startswith("post_"):
        _row_written(type(instance), instance, using)


def connect_signals() -> None:
    post_save.connect(_row_written, dispatch_uid="microcache-save")
    post_delete.connect(_row_written, dispatch_uid="microcache-delete")
    m2m_changed.connect(_relation_changed, dispatch_uid="microcache-m2m")


class MicrocacheWriteMiddleware:
    """A signed-in user's non-GET request bumps their versions after it answered (their own
    change shows on their next read, even one written set-based without signals). Placed after
    the authentication middleware; an API token's user is set on the request by DRF."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                bump_for_user(user)
        return response


# --- Reading and storing answers ----------------------------------------------------------------


@dataclass
class _Lookup:
    key: str
    versions: list[Any]
    response: HttpResponse | None = None


def _has_messages(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    try:
        return storage is not None and len(storage) > 0
    except Exception:  # noqa: BLE001 (an unreadable message cookie: compute the page)
        return True


def _key(request: HttpRequest) -> str:
    user = request.user
    session = getattr(request, "session", None)
    headers = sorted(
        (name, value) for name, value in request.META.items() if name.startswith("HTTP_HX_")
    )
    parts = [
        str(user.pk),
        str(user.role),
        str(user.partner_id or ""),
        str(int(bool(user.is_superuser))),
        (session.session_key or "") if session is not None else "",
        str(session.get(HASH_SESSION_KEY, "")) if session is not None else "",
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        translation.get_language() or "",
        # Answers hold absolute links (the API's `next`): the host and scheme they were built for.
        request.get_host(),
        request.scheme,
        request.path,
        repr(sorted(request.GET.lists())),
        request.META.get("HTTP_ACCEPT", ""),
        repr(headers),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"mc:r:{digest}"


def lookup(request: HttpRequest) -> _Lookup | None:
    """The cached answer to `request` (`.response`), or where to store it (`.key`); None when
    this request is not to be cached at all. Call after authentication and permission checks."""
    # `?export=` is every list's export door: a file or a job, never a cached page.
    if request.method != "GET" or "export" in request.GET or not _available():
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or _has_messages(request):
        return None
    key, version_keys = _key(request), _version_keys_of(user)
    try:
        # The answer and the versions it must have been stored under, in one round trip.
        found = _cache().get_many([key, *version_keys])
    except Exception as exc:  # noqa: BLE001 (any cache backend failure: fail open)
        _failed(exc)
        return None
    versions = [found.get(k, 0) for k in version_keys]
    entry = found.get(key)
    if entry is None or entry[0] != versions:
        return _Lookup(key=key, versions=versions)
    _versions, status, headers, content, reads = entry
    if reads:
        audit_reads_replay(actor=user, recorded=reads)
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response["X-Response-Cache"] = "hit"
    return _Lookup(key=key, versions=versions, response=response)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.cookies or response.streaming:
        return False
    if response.has_header("Content-Disposition"):  # a file, not a list
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    # The page asked for a CSRF token the browser does not hold yet (a new or rotated cookie):
    # that page belongs to the next cookie, not to this key.
    if request.META.get("CSRF_COOKIE") != request.COOKIES.get(settings.CSRF_COOKIE_NAME):
        return False
    return not _has_messages(request)


def store(
    request: HttpRequest, lookup_: _Lookup, response: HttpResponse, reads: list[dict]
) -> HttpResponse:
    """Keep `response` (rendered here if it is not yet) for the key `lookup_` found."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    if not _storable(request, response):
        response["X-Response-Cache"] = "pass"
        return response
    headers = [(k, v) for k, v in response.items() if k.lower() not in ("set-cookie", "vary")]
    try:
        _cache().set(
            lookup_.key,
            (lookup_.versions, response.status_code, headers, response.content, reads),
            seconds(),
        )
    except Exception as exc:  # noqa: BLE001 (any cache backend failure: fail open)
        _failed(exc)
    response["X-Response-Cache"] = "miss"
    return response


def microcached(view: Callable) -> Callable:
    """Answer the view from the response cache when this user asked the same a moment ago.

    Put it under the view's sign-in and role decorators: they decide before the cache does."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        found = lookup(request)
        if found is None:
            return view(request, *args, **kwargs)
        if found.response is not None:
            return found.response
        with audit_reads_recorded() as reads:
            response = view(request, *args, **kwargs)
        return store(request, found, response, reads)

    return wrapped


def _cached_list(method: Callable) -> Callable:
    @wraps(method)
    def wrapped(self, request, *args, **kwargs):
        found = lookup(request._request)
        if found is None:
            return method(self, request, *args, **kwargs)
        if found.response is not None:
            return found.response
        with audit_reads_recorded() as reads:
            response = method(self, request, *args, **kwargs)
        self._microcache_pending = (found, reads)
        return response

    wrapped._microcached = True
    return wrapped


class MicrocachedListMixin:
    """The list action of an API viewset, answered from the response cache (after DRF's
    authentication, permissions and throttles, which run before `list`). A `list` the viewset
    defines itself is wrapped too; the answer is stored once DRF has rendered it."""

    _microcache_pending = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("list")
        if own is not None and not getattr(own, "_microcached", False):
            cls.list = _cached_list(own)

    @_cached_list
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._microcache_pending is not None:
            found, reads = self._microcache_pending
            self._microcache_pending = None
            response = store(request._request, found, response, reads)
        return response
