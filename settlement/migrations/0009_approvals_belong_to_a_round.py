"""Every approval belongs to a review round, once per approver and round; the database refuses
an approval outside an open round of its statement or by the round's submitter, and keeps rounds
append-only (only their end is recorded, once) (DESIGN §6.1)."""

import django.db.models.deletion
from django.db import migrations, models

SQL = """
CREATE OR REPLACE FUNCTION settlement_review_round_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.outcome = 'open' AND NEW.outcome <> 'open'
       AND (NEW.statement_id, NEW.number, NEW.submitted_by_id, NEW.submitted_at,
            NEW.required_approvals)
           IS NOT DISTINCT FROM
           (OLD.statement_id, OLD.number, OLD.submitted_by_id, OLD.submitted_at,
            OLD.required_approvals) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'review rounds are append-only (only their end is recorded, once)'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlement_review_round_append_only
    BEFORE UPDATE OR DELETE ON settlement_reviewround
    FOR EACH ROW EXECUTE FUNCTION settlement_review_round_guard();

CREATE OR REPLACE FUNCTION settlement_approval_round_check() RETURNS trigger AS $$
DECLARE
    given_in settlement_reviewround%ROWTYPE;
BEGIN
    SELECT * INTO given_in FROM settlement_reviewround WHERE id = NEW.review_round_id;
    IF given_in.statement_id IS DISTINCT FROM NEW.statement_id THEN
        RAISE EXCEPTION 'an approval belongs to a review round of its own statement'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF given_in.outcome <> 'open' THEN
        RAISE EXCEPTION 'review round % of statement % has ended', given_in.number,
            NEW.statement_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF given_in.submitted_by_id = NEW.approver_id THEN
        RAISE EXCEPTION 'the submitter of a review round cannot approve in it'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlement_approval_in_open_round
    BEFORE INSERT ON settlement_statementapproval
    FOR EACH ROW EXECUTE FUNCTION settlement_approval_round_check();
"""

REVERSE = """
DROP TRIGGER IF EXISTS settlement_approval_in_open_round ON settlement_statementapproval;
DROP FUNCTION IF EXISTS settlement_approval_round_check();
DROP TRIGGER IF EXISTS settlement_review_round_append_only ON settlement_reviewround;
DROP FUNCTION IF EXISTS settlement_review_round_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("settlement", "0008_review_rounds_from_history")]

    operations = [
        migrations.RemoveConstraint(
            model_name="statementapproval",
            name="statement_approval_once",
        ),
        migrations.AlterField(
            model_name="statementapproval",
            name="review_round",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="approvals",
                to="settlement.reviewround",
                verbose_name="review round",
            ),
        ),
        migrations.AddConstraint(
            model_name="statementapproval",
            constraint=models.UniqueConstraint(
                fields=("review_round", "approver"), name="statement_approval_once_per_round"
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
