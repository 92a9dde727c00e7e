"""The database protects itself against the portal's own role (DESIGN §9): the app connects as a
role that owns nothing, so it cannot truncate, disable triggers, become a replica or rewrite an
approved statement or a closed quarter; migrations run as the owner and grant it row access."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import psycopg2
import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from psycopg2 import errors

from core.dbroles import grant_app_role, owned_by
from rebates.models import Accrual, QuarterClose
from settlement.choices import StatementState
from tests.factories import PartnerFactory
from tests.rebates.factories import PERIOD, line, programme, target
from tests.settlement.factories import approved_statement

pytestmark = pytest.mark.django_db(transaction=True)


def _role(prefix: str) -> str:
    # One role per xdist worker: roles are cluster-wide, test databases are per worker.
    return f"{prefix}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _connect(role: str):
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None, user=role
    )
    conn.autocommit = True
    return conn


@pytest.fixture
def app():
    """A cursor of the application role on the test database (as `migrate` grants it)."""
    role = _role("prm_app_test")
    with connection.cursor() as cursor:
        grant_app_role(cursor, role=role)
    conn = _connect(role)
    yield conn.cursor()
    conn.close()


def _refused(cursor, statement: str, *params, error=errors.InsufficientPrivilege) -> str:
    with pytest.raises(error) as refusal:
        cursor.execute(statement, params or None)
    return str(refusal.value)


def test_the_app_role_works_on_rows_and_owns_nothing(app):
    partner = PartnerFactory()
    # it reads and writes rows
    app.execute("UPDATE partners_partner SET legal_name = 'Renamed' WHERE id = %s", [partner.pk])
    app.execute("SELECT legal_name FROM partners_partner WHERE id = %s", [partner.pk])
    assert app.fetchone() == ("Renamed",)
    # it may stage a bulk import in the staging schema, and nowhere else
    app.execute("CREATE UNLOGGED TABLE prm_stage.t_stage (a text); DROP TABLE prm_stage.t_stage")
    _refused(app, "CREATE TABLE public.t_mine (a text)")
    _refused(app, "DROP TABLE core_auditevent")
    with connection.cursor() as cursor:
        assert owned_by(cursor, role=_role("prm_app_test")) == []


def test_the_app_role_cannot_erase_or_bypass_the_audit_trail(app):
    _refused(app, "TRUNCATE core_auditevent")
    _refused(app, "UPDATE core_auditevent SET action = 'x'")
    _refused(app, "DELETE FROM core_auditevent")
    _refused(app, "ALTER TABLE settlement_statement DISABLE TRIGGER ALL")
    _refused(app, "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
    _refused(app, "SET session_replication_role = replica")


def test_an_approved_statement_never_goes_back_to_draft(app):
    statement = approved_statement(PartnerFactory(), "12800.00")
    # not as the app role, with or without edits…
    for sql in (
        "UPDATE settlement_statement SET state = 'draft' WHERE id = %s",
        "UPDATE settlement_statement SET state = 'in_review' WHERE id = %s",
    ):
        message = _refused(app, sql, statement.pk, error=errors.IntegrityConstraintViolation)
        assert "not a step of the workflow" in message
    _refused(
        app,
        "UPDATE settlement_statement SET payable = 13800 WHERE id = %s",
        statement.pk,
        error=errors.IntegrityConstraintViolation,
    )
    # …nor through the ORM as the owner
    with pytest.raises(IntegrityError), transaction.atomic():
        type(statement).objects.filter(pk=statement.pk).update(state=StatementState.DRAFT)
    statement.refresh_from_db()
    assert (statement.state, statement.payable) == (StatementState.APPROVED, Decimal("12800.00"))
    # the workflow's own next step still passes
    app.execute("UPDATE settlement_statement SET state = 'published' WHERE id = %s", [statement.pk])


def test_a_superseded_statement_is_final_and_frozen(app):
    statement = approved_statement(PartnerFactory(), "12800.00")
    # only a disputed statement may be superseded (by its re-issued revision, DESIGN §6.2)
    message = _refused(
        app,
        "UPDATE settlement_statement SET state = 'superseded' WHERE id = %s",
        statement.pk,
        error=errors.IntegrityConstraintViolation,
    )
    assert "not a step of the workflow" in message
    for state in ("published", "disputed", "superseded"):
        app.execute(
            "UPDATE settlement_statement SET state = %s WHERE id = %s", [state, statement.pk]
        )
    # and nothing leaves superseded, nor changes its figures
    for sql in (
        "UPDATE settlement_statement SET state = 'paid' WHERE id = %s",
        "UPDATE settlement_statement SET state = 'disputed' WHERE id = %s",
        "UPDATE settlement_statement SET payable = 13800 WHERE id = %s",
        "DELETE FROM settlement_statementline WHERE statement_id = %s",
    ):
        _refused(app, sql, statement.pk, error=errors.IntegrityConstraintViolation)


def test_a_closed_quarters_accruals_are_final(app, time_machine):
    from rebates.services import quarter_close

    partner = PartnerFactory()
    target(programme(), partner, 1_000_000)
    line(partner, 950_000)
    time_machine.move_to("2026-10-05T08:00:00Z")
    quarter_close(period=PERIOD)
    accrual = Accrual.objects.get(partner=partner)
    for sql in (
        "UPDATE rebates_accrual SET amount = amount + 1 WHERE id = %s",
        "DELETE FROM rebates_accrual WHERE id = %s",
    ):
        message = _refused(app, sql, accrual.pk, error=errors.IntegrityConstraintViolation)
        assert "is closed" in message
    _refused(
        app,
        "DELETE FROM rebates_quarterclose WHERE period = %s",
        str(PERIOD),
        error=errors.IntegrityConstraintViolation,
    )
    assert QuarterClose.objects.filter(period=str(PERIOD)).exists()
    assert Accrual.objects.get(pk=accrual.pk).amount == accrual.amount


def test_migrate_runs_as_the_owner_and_grants_the_app_role():
    # given a role that does not exist yet, named by DATABASE_URL, and the owner's URL
    role = _role("prm_app_cmd")
    db = connection.settings_dict
    where = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "prm.settings.test",
        "DATABASE_URL": f"postgres://{role}@{where}",
        "DATABASE_OWNER_URL": f"postgres://{db['USER']}@{where}",
    }
    # when migrate runs
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "migrate", "--no-input"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"Granted the application role {role}" in result.stdout
    # then the role exists, may use rows and owns nothing
    conn = _connect(role)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM accounts_user")
            cursor.execute(
                "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = %s", [role]
            )
            assert cursor.fetchone() == (False, False)
            _refused(cursor, "TRUNCATE core_auditevent")
    finally:
        conn.close()
    with connection.cursor() as cursor:
        assert owned_by(cursor, role=role) == []
