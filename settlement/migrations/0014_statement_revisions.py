"""Re-issued statements (DESIGN §6.2): a revision names the disputed statement it supersedes.

The database guards learn the new state: `disputed → superseded` is the one new step of the
workflow (superseded is final), a superseded statement's figures and lines are as frozen as an
approved one's, and the link to the revision it replaces never changes once approved."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

_STEPS = importlib.import_module("settlement.migrations.0011_statement_transitions")
_GUARDS = importlib.import_module("settlement.migrations.0002_database_guards")

LOCKED = "('approved','published','confirmed','disputed','paid','closed','superseded')"
ALLOWED = [*_STEPS.ALLOWED, ("disputed", "superseded")]
PAIRS = ", ".join(f"('{a}', '{b}')" for a, b in ALLOWED)


def _guards(locked: str, pairs: str, *, revision_of: bool) -> str:
    link_new = ", NEW.revision_of_id" if revision_of else ""
    link_old = ", OLD.revision_of_id" if revision_of else ""
    # Built from the constant state names above, never from input.
    return f"""
CREATE OR REPLACE FUNCTION settlement_statement_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'statements are never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.state IN {locked}
       AND (NEW.partner_id, NEW.period, NEW.revision, NEW.number, NEW.currency, NEW.subtotal,
            NEW.carried_balance, NEW.tax_rate, NEW.tax_amount, NEW.payable,
            NEW.verification_code, NEW.preparer_id{link_new})
           IS DISTINCT FROM
           (OLD.partner_id, OLD.period, OLD.revision, OLD.number, OLD.currency, OLD.subtotal,
            OLD.carried_balance, OLD.tax_rate, OLD.tax_amount, OLD.payable,
            OLD.verification_code, OLD.preparer_id{link_old}) THEN
        RAISE EXCEPTION 'statement % is approved: its figures are immutable', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION settlement_line_guard() RETURNS trigger AS $$
DECLARE
    statement_state text;
BEGIN
    SELECT state INTO statement_state FROM settlement_statement
        WHERE id = COALESCE(OLD.statement_id, NEW.statement_id);
    IF statement_state IN {locked} THEN
        RAISE EXCEPTION 'lines of an approved statement are immutable'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION settlement_statement_transition_guard() RETURNS trigger AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state
       AND (OLD.state, NEW.state) NOT IN ({pairs}) THEN
        RAISE EXCEPTION 'statement %: % -> % is not a step of the workflow',
            OLD.number, OLD.state, NEW.state
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""  # noqa: S608


SQL = _guards(LOCKED, PAIRS, revision_of=True)
REVERSE = _guards(_GUARDS.LOCKED, _STEPS.PAIRS, revision_of=False)


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0013_statement_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispute",
            name="reissued",
            field=models.BooleanField(default=False, verbose_name="re-issued"),
        ),
        migrations.AddField(
            model_name="statement",
            name="revision_of",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="superseded_by",
                to="settlement.statement",
                verbose_name="supersedes",
            ),
        ),
        migrations.AlterField(
            model_name="statement",
            name="state",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("in_review", "In review"),
                    ("approved", "Approved"),
                    ("published", "Published"),
                    ("confirmed", "Confirmed"),
                    ("disputed", "Disputed"),
                    ("paid", "Paid"),
                    ("closed", "Closed"),
                    ("superseded", "Superseded"),
                ],
                default="draft",
                max_length=12,
                verbose_name="state",
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
