"""The database refuses a statement state change the workflow does not have (DESIGN §6.1,
§6.2): an approved statement can never go back to draft or review, whoever connects. The allowed
moves mirror settlement/services (statements.py, disputes.py); staying in a state is allowed."""

from django.db import migrations

ALLOWED = [
    ("draft", "in_review"),
    ("in_review", "approved"),
    ("in_review", "draft"),
    ("approved", "published"),
    ("published", "confirmed"),
    ("published", "disputed"),
    ("confirmed", "paid"),
    ("disputed", "paid"),
    ("paid", "closed"),
]

PAIRS = ", ".join(f"('{a}', '{b}')" for a, b in ALLOWED)

SQL = f"""
CREATE OR REPLACE FUNCTION settlement_statement_transition_guard() RETURNS trigger AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state
       AND (OLD.state, NEW.state) NOT IN ({PAIRS}) THEN
        RAISE EXCEPTION 'statement %: % -> % is not a step of the workflow',
            OLD.number, OLD.state, NEW.state
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlement_statement_transitions
    BEFORE UPDATE OF state ON settlement_statement
    FOR EACH ROW EXECUTE FUNCTION settlement_statement_transition_guard();
"""

REVERSE = """
DROP TRIGGER IF EXISTS settlement_statement_transitions ON settlement_statement;
DROP FUNCTION IF EXISTS settlement_statement_transition_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("settlement", "0010_anomaly_amount_out_of_range")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
