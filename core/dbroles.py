"""The database role the portal runs as (DESIGN §9: the database protects itself).

Migrations run as the schema's owner; web, workers and beat connect as an application role that
owns nothing: it reads and writes rows, but cannot TRUNCATE a table, disable or drop a trigger,
alter a table or become a replica (`session_replication_role`), so the append-only and
state-transition triggers hold against it too. `grant_app_role` (run as the owner, after every
migrate) creates the role if needed and grants exactly that.
"""

from __future__ import annotations

from urllib.parse import urlparse

from psycopg2 import sql

# Staging tables of bulk imports are created and dropped by the app in this schema only.
STAGING_SCHEMA = "prm_stage"


def role_of(url: str) -> tuple[str, str | None]:
    """(user, password) of a postgres:// URL."""
    parsed = urlparse(url)
    if not parsed.username:
        raise ValueError("The database URL names no user.")
    return parsed.username, parsed.password


def grant_app_role(cursor, *, role: str, password: str | None = None) -> None:
    """Create `role` if missing (login, no other power) and grant it row access to every table
    of the public schema, sequences, functions and the staging schema; nothing more."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
    found = cursor.fetchone()
    if found is None:
        cursor.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            ).format(sql.Identifier(role))
        )
    elif found[0]:
        raise ValueError(f"{role} is a superuser: the portal must not run as one.")
    if password:
        cursor.execute(
            sql.SQL("ALTER ROLE {} PASSWORD %s").format(sql.Identifier(role)), [password]
        )
    cursor.execute("SELECT current_database(), current_user")
    database, owner = cursor.fetchone()
    if owner == role:
        raise ValueError("Run the grants as the schema's owner, not as the application role.")
    name = sql.Identifier(role)
    for statement in (
        "GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}",
        "GRANT USAGE ON SCHEMA public TO {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        "REVOKE TRUNCATE, TRIGGER, REFERENCES ON ALL TABLES IN SCHEMA public FROM {role}",
        "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}",
        "GRANT USAGE, CREATE ON SCHEMA {stage} TO {role}",
        # Tables a later migration creates get the same rights without waiting for a re-grant.
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
    ):
        cursor.execute(
            sql.SQL(statement).format(
                db=sql.Identifier(database), role=name, stage=sql.Identifier(STAGING_SCHEMA)
            )
        )
    # The audit trail is append-only for the app: no UPDATE or DELETE privilege at all (the
    # triggers refuse them too).
    cursor.execute(sql.SQL("REVOKE UPDATE, DELETE ON core_auditevent FROM {}").format(name))


def owned_by(cursor, *, role: str) -> list[str]:
    """Tables, views, sequences and functions of the public schema that `role` owns."""
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = %(role)s
        UNION ALL
        SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = %(role)s
        """,
        {"role": role},
    )
    return [row[0] for row in cursor.fetchall()]
