"""Set-up shared by the benchmarks: each works in a database of its own, created once on the
PostgreSQL server of `DATABASE_URL` and migrated, so it never touches development or test data."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
T = TypeVar("T")


def bench_database(name: str) -> dict[str, str]:
    """Create (if missing) and migrate database `name`, set Django up against it and return the
    environment child processes (workers, commands) need to use it too."""
    import psycopg2

    server = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    url = server._replace(path=f"/{name}").geturl()
    conn = psycopg2.connect(server._replace(path="/postgres").geturl())
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")
    env = dict(os.environ)
    subprocess.run(  # noqa: S603 (our own manage.py)
        [*MANAGE, "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return env


def timed(label: str, func: Callable[[], T]) -> tuple[T, float]:
    """Run `func`, print its wall time under `label` and return (its result, the seconds)."""
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    print(f"{label:<58} {elapsed:8.2f} s", flush=True)
    return result, elapsed


__all__ = ["MANAGE", "ROOT", "bench_database", "timed"]
