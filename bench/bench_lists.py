"""List pages, queues, dashboards, global search and API lists at full scale (DESIGN §8.1, §10).

    .venv/bin/python bench/bench_lists.py

Creates (or reuses) the database `prm_bench_lists` (BENCH_DB names another) on the PostgreSQL
server of `DATABASE_URL`, migrates it and, once, fills it with the full-scale data of
`bench/lists_data.py` (1,000,000 deals over 10,000 partners and the rest at DESIGN §10
proportions; set-based SQL, a few minutes). Then:

1. discovers from the URL conf every page route without URL arguments that answers GET with a
   list, a queue, a dashboard or a search (forms, actions and exports are left out) and every
   API list endpoint, and opens each as a staff user and as a partner user (the Django test client
   in process, force_login / token): median and p95 of `--requests` requests with varied page,
   sort and filter parameters, plus the queries of one request;
2. through gunicorn (`prm.wsgi`, 2 workers × 4 threads), requests/s of the common lists with
   `--clients` concurrent clients (threads with http.client, session cookie / API token);
3. prints the table against the goals: median ≤ 50 ms, p95 ≤ 150 ms, a partner's (scoped) list
   ≤ 2 × the staff (unscoped) one, ≥ 300 requests/s.

Options: --requests N (20), --only REGEX (routes whose path it matches, e.g. "^/$|^/api/"),
--no-throughput,
--throughput-seconds S (10), --clients N (8), --misses (each common list also with a query
parameter per request, so that no answer comes from the response cache), --rebuild, --build-only.
Throughput without --misses repeats one URL per user: after the first request of each few
seconds, answers come from the response cache (`PRM_MICROCACHE_SECONDS=0` turns it off). Set
REDIS_URL as in production: without it every gunicorn worker has a cache of its own, the
response cache is off and the API throttles count per worker.
The machine's 2 cores are shared: the figures carry the load average they were measured at.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
BENCH_DB = os.environ.get("BENCH_DB", "prm_bench_lists")


def bench_url() -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/prm"))
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def ensure_database() -> None:
    import psycopg2

    parts = urlsplit(bench_url())
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
            if not cursor.fetchone():
                cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        conn.close()


GOAL_MEDIAN_MS = 50.0
GOAL_P95_MS = 150.0
GOAL_RATIO = 2.0
GOAL_RPS = 300.0

# URL names of parameterless routes that are forms, actions, exports or documents, not lists.
NOT_A_LIST = re.compile(
    r"(create|new|apply|_run$|start|build|export|verify|allocate|invite|read_all|token|language"
    r"|login|logout|password|close|weights|upload|profile|my_company|schema|docs|redoc|api-root"
    r"|healthz|api-me|^admin:)"
)
# Varied parameters: pages further in, a sort, a filter; a parameter a page does not know is
# ignored by it, which is what a user's bookmarked URL would do too.
PAGE_VARIANTS = ["", "page=2", "page=3", "page=5", "sort=-submitted_at", "status=submitted"]
API_VARIANTS = ["", "page=2", "page=3", "page=5", "ordering=-id", "status=approved"]
# Extra cases the issue names: searches and filters on the biggest lists.
EXTRA = [
    ("deals:list", "q=上海星辰"),
    ("deals:list", "q=contoso"),
    ("deals:list", "status=approved&region=CN-SH"),
    ("deal-list", "status=submitted"),
    ("core:search", "q=上海星辰"),
    ("core:search", "q=contoso"),
    ("search", "q=上海星辰"),
    ("api-search", "q=contoso"),
]
# The common lists whose throughput through gunicorn is measured.
COMMON = [
    ("staff", "core:dashboard"),
    ("staff", "deals:list"),
    ("staff", "deals:queue"),
    ("staff", "deal-list"),
    ("partner", "core:dashboard"),
    ("partner", "deals:list"),
    ("partner", "deal-list"),
    ("partner", "lead-list"),
]


@dataclass
class Result:
    route: str
    name: str
    actor: str
    query: str = ""
    times: list[float] = field(default_factory=list)
    status: int = 200
    queries: int = 0
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.times, 0.95) if self.times else float("nan")

    @property
    def met(self) -> bool:
        return bool(self.times) and self.median <= GOAL_MEDIAN_MS and self.p95 <= GOAL_P95_MS


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def discover() -> list[tuple[str, str, bool]]:
    """(path, URL name, is API) of every parameterless GET route that shows a list, a queue, a
    dashboard or a search, straight from the URL conf: pages others add are measured too."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[tuple[str, str, bool]] = []

    def walk(resolver, prefix: str, namespace: str | None) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if pattern.namespace and namespace:
                    inner = f"{namespace}:{pattern.namespace}"
                walk(pattern, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = prefix + str(pattern.pattern)
                if "<" in route or "(?P" in route or route.startswith("admin/"):
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if NOT_A_LIST.search(name) or route.endswith(".csv"):
                    continue
                path = "/" + route.lstrip("^").rstrip("$").replace("\\", "")
                if (path, name) not in [(p, n) for p, n, _ in found]:
                    found.append((path, name, path.startswith("/api/")))

    walk(get_resolver(), "", None)
    return found


def actors() -> dict[str, object]:
    """The users every route is opened as: staff (administrator, a channel manager, finance) and
    partner users (the admin of an ordinary reseller, the admin of a distributor with dealers)."""
    from accounts.models import User

    bench = User.objects.filter(email__endswith="@bench.invalid")
    reseller = (
        bench.filter(role="partner_admin", partner__parent__isnull=True)
        .exclude(partner__partner_type="distributor")
        .order_by("pk")[500]
    )
    distributor = bench.filter(role="partner_admin", partner__partner_type="distributor").first()
    return {
        "staff": bench.filter(role="admin").order_by("pk").first(),
        "manager": bench.filter(role="channel_manager").order_by("pk").first(),
        "finance": bench.filter(role="finance").order_by("pk").first(),
        "partner": reseller,
        "distributor": distributor,
    }


def measure(client, path: str, queries: list[str], n: int, *, api: bool) -> Result:
    """Median and p95 of `n` GETs of `path`, cycling through the query strings."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(route=path, name="", actor="")
    started = time.perf_counter()
    first = client.get(path + ("?" + queries[0] if queries[0] else ""))  # warm caches
    warm = time.perf_counter() - started
    result.status = first.status_code
    if warm > 5:  # a page of seconds: one more request tells as much, on a shared machine
        n = 1
    if first.status_code != 200:
        return result
    with CaptureQueriesContext(connection) as captured:
        client.get(path + ("?" + queries[0] if queries[0] else ""))
    result.queries = len(captured)
    for i in range(n):
        query = queries[i % len(queries)]
        started = time.perf_counter()
        response = client.get(path + ("?" + query if query else ""))
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            result.note = f"{response.status_code} on ?{query}"
            continue
        result.times.append(elapsed)
        if elapsed > 2000 and len(result.times) >= 3:
            result.note = "slow: 3 requests only"
            break
    return result


def run_in_process(args, users: dict, routes: list[tuple[str, str, bool]]) -> list[Result]:
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    pages: dict[str, Client] = {}
    apis: dict[str, APIClient] = {}
    for label, user in users.items():
        pages[label] = Client()
        pages[label].force_login(user)
        token, _ = Token.objects.get_or_create(user=user)
        apis[label] = APIClient()
        apis[label].credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    results: list[Result] = []
    # Dashboards differ by role: every actor opens them; lists: staff and the two partners.
    for path, name, api in routes:
        if args.only and not re.search(args.only, path):
            continue
        labels = list(users) if name == "core:dashboard" else ["staff", "partner", "distributor"]
        if name in ("core:dashboard",) or not api:
            pass
        for label in labels:
            client = apis[label] if api else pages[label]
            variants = API_VARIANTS if api else PAGE_VARIANTS
            result = measure(client, path, variants, args.requests, api=api)
            result.name, result.actor = name, label
            if result.status == 200:
                results.append(result)
                print_row(result, flush=True)
            elif result.status not in (403, 404, 302, 405):
                result.note = f"answered {result.status}"
                results.append(result)
                print_row(result, flush=True)
    by_name = {name: (path, api) for path, name, api in routes}
    for name, query in EXTRA:
        if name not in by_name:
            print(f"-- {name}?{query}: no such route yet, skipped", flush=True)
            continue
        path, api = by_name[name]
        if args.only and not re.search(args.only, path):
            continue
        for label in ("staff", "partner"):
            client = apis[label] if api else pages[label]
            result = measure(client, path, [query], args.requests, api=api)
            result.name, result.actor, result.query = name, label, query
            if result.status == 200:
                results.append(result)
                print_row(result, flush=True)
    return results


def print_row(r: Result, flush: bool = False) -> None:
    shown = r.route + (f"?{r.query}" if r.query else "")
    if not r.times:
        print(f"{shown:<44}{r.actor:<12}{'':>9}{'':>9}{'':>5}  {r.note}", flush=flush)
        return
    print(
        f"{shown:<44}{r.actor:<12}{r.median:>9.1f}{r.p95:>9.1f}{r.queries:>5}  "
        f"{'met' if r.met else 'NOT MET'} {r.note}",
        flush=flush,
    )


def run_cards(users: dict, n: int = 7) -> None:
    """Median time of each dashboard card per actor: which card a slow dashboard owes it to."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from core import dashboard

    print("\ndashboard cards (median of", n, "calls, ms):")
    for label, user in users.items():
        request = RequestFactory().get("/")
        request.user = user
        request.session = SessionStore()
        cells = []
        for w in sorted(dashboard._WIDGETS, key=lambda w: w.order):
            if user.role not in w.roles and not (user.is_superuser and not user.is_partner_user):
                continue
            times = []
            for _ in range(n):
                started = time.perf_counter()
                w.func(request)
                times.append((time.perf_counter() - started) * 1000)
            cells.append(
                f"{w.func.__module__.split('.')[0]}.{w.func.__name__} "
                f"{statistics.median(times):.1f}"
            )
        print(f"  {label:<12}" + "; ".join(cells), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(
    port: int, path: str, headers: dict, seconds: float, clients: int, bust: bool = False
) -> tuple[float, list]:
    """Requests/s and latencies of `clients` threads GETting `path` for `seconds`; with `bust`
    every request carries a query parameter of its own, so none is answered from the response
    cache (core/microcache.py): the cost of computing the list."""
    latencies: list[float] = []
    counter = iter(range(10**9))
    errors: list[int] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                url = f"{path}?bust={next(counter)}" if bust else path
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                errors.append(0)
                continue
            if response.status == 200:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                errors.append(response.status)
        with lock:
            latencies.extend(mine)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies, errors


def run_throughput(args, users: dict, routes, results: list[Result]) -> list[tuple]:
    """Requests/s of the common lists through gunicorn (2 workers × 4 threads)."""
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    port = free_port()
    env = dict(os.environ, DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost")
    log_path = Path(tempfile.gettempdir()) / f"bench_lists_gunicorn_{port}.log"
    log = log_path.open("w")  # noqa: SIM115 (closed after the server stops)
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn)
        [
            str(gunicorn),
            "prm.wsgi",
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    rows = []
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        cookies = {}
        for label, user in users.items():
            # A real session, as the login would store it (backend included).
            browser = Client()
            browser.force_login(user)
            cookies[label] = browser.cookies[settings.SESSION_COOKIE_NAME].value
        # A browser holds the CSRF cookie its first page set; a page computed for a request
        # without one sets a new cookie, and such an answer is never served from a cache.
        from django.middleware.csrf import _get_new_csrf_string

        csrf = f"{settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}"
        by_name = {name: (path, api) for path, name, api in routes}
        medians = {(r.name, r.actor): r.median for r in results if r.times and not r.query}
        for label, name in COMMON:
            if name not in by_name:
                continue
            path, api = by_name[name]
            if args.only and not re.search(args.only, path):
                continue
            if medians.get((name, label), 0) > 1000:
                # Seconds a request: the load would only measure the queue (and starve others).
                print(f"{path:<44}{label:<12} skipped: {medians[(name, label)]:.0f} ms a request")
                continue
            if api:
                token, _ = Token.objects.get_or_create(user=users[label])
                headers = {"Authorization": f"Token {token.key}"}
            else:
                headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookies[label]}; {csrf}"}
            load(port, path, headers, 1.0, 2)  # warm both workers
            for bust in (False, True) if args.misses else (False,):
                rps, latencies, errors = load(
                    port, path, headers, args.throughput_seconds, args.clients, bust
                )
                median = statistics.median(latencies) if latencies else float("nan")
                rows.append((path, label, rps, median, len(errors)))
                print(
                    f"{path + (' (misses)' if bust else ''):<44}{label:<12}{rps:>9.1f} req/s  "
                    f"median {median:7.1f} ms{'  errors ' + str(len(errors)) if errors else ''}  "
                    f"{'met' if rps >= GOAL_RPS else 'NOT MET'}",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    if any(row[4] for row in rows):
        print(f"errors answered by the server: see {log_path}")
    return rows


def run(args) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM deals_deal")
        deals = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM partners_partner")
        partners = cursor.fetchone()[0]
    print(
        f"\n{BENCH_DB}: {deals:,} deals, {partners:,} partners; load average "
        f"{os.getloadavg()[0]:.1f} (2 cores shared: expect noisy figures)"
    )
    from django.conf import settings

    print(
        f"cache: {settings.CACHES['default']['BACKEND']}; response cache "
        f"{getattr(settings, 'PRM_MICROCACHE_SECONDS', 0):g} s"
        + ("" if os.environ.get("REDIS_URL") else " (off: no REDIS_URL, a cache per process)")
    )
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the 403s of other roles
    users = actors()
    if args.cards_only:
        run_cards(users)
        return
    routes = discover()
    print(f"{len(routes)} list routes discovered; {args.requests} requests each\n")
    header = f"{'route':<44}{'user':<12}{'median':>9}{'p95':>9}{'qs':>5}  goal"
    print(header + "\n" + "-" * len(header))
    results = run_in_process(args, users, routes)
    if not args.only or re.search(args.only, "/"):
        run_cards(users)

    print("\nscoped / unscoped (partner median ÷ staff median, goal ≤ 2):")
    staff = {(r.route, r.query): r for r in results if r.actor == "staff" and r.times}
    for r in results:
        if r.actor in ("partner", "distributor") and r.times and (r.route, r.query) in staff:
            base = staff[(r.route, r.query)]
            ratio = r.median / base.median
            shown = r.route + (f"?{r.query}" if r.query else "")
            print(
                f"{shown:<44}{r.actor:<12}{ratio:>6.2f}  {'met' if ratio <= GOAL_RATIO else 'NOT MET'}"
            )

    measured = [r for r in results if r.times]
    met = sum(r.met for r in measured)
    print(
        f"\n{met} of {len(measured)} measurements meet median ≤ 50 ms and p95 ≤ 150 ms; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    if not args.no_throughput:
        print(
            f"\nthrough gunicorn (2 workers × 4 threads), {args.clients} clients, "
            f"{args.throughput_seconds:.0f} s each, goal ≥ 300 req/s:"
        )
        run_throughput(args, users, routes, results)
        print(f"load average now {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--cards-only", action="store_true")
    args = parser.parse_args()
    os.environ["API_THROTTLE_USER"] = "100000000/minute"
    os.environ["API_THROTTLE_ANON"] = "100000000/minute"
    os.environ.setdefault("DEBUG", "0")  # as served: no query log kept per request

    ensure_database()
    os.environ["DATABASE_URL"] = bench_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")
    import django

    django.setup()
    import lists_data
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    lists_data.build(rebuild=args.rebuild)
    if args.build_only:
        return
    run(args)


if __name__ == "__main__":
    main()
