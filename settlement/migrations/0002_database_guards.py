"""Append-only queue and approvals; statement figures frozen once approved (DESIGN §6.1)."""

from django.db import migrations

LOCKED = "('approved','published','confirmed','disputed','paid','closed')"

SQL = f"""
CREATE OR REPLACE FUNCTION settlement_entry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'settlement entries are append-only' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.statement_id IS NULL AND NEW.statement_id IS NOT NULL
       AND (NEW.partner_id, NEW.kind, NEW.amount, NEW.currency, NEW.description,
            NEW.source_type, NEW.source_id, NEW.period, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.partner_id, OLD.kind, OLD.amount, OLD.currency, OLD.description,
            OLD.source_type, OLD.source_id, OLD.period, OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'settlement entries are append-only (only inclusion in a statement, once)'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlement_entry_append_only
    BEFORE UPDATE OR DELETE ON settlement_settlemententry
    FOR EACH ROW EXECUTE FUNCTION settlement_entry_guard();

CREATE TRIGGER settlement_approval_append_only
    BEFORE UPDATE OR DELETE ON settlement_statementapproval
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();

CREATE OR REPLACE FUNCTION settlement_statement_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'statements are never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.state IN {LOCKED}
       AND (NEW.partner_id, NEW.period, NEW.revision, NEW.number, NEW.currency, NEW.subtotal,
            NEW.carried_balance, NEW.tax_rate, NEW.tax_amount, NEW.payable,
            NEW.verification_code, NEW.preparer_id)
           IS DISTINCT FROM
           (OLD.partner_id, OLD.period, OLD.revision, OLD.number, OLD.currency, OLD.subtotal,
            OLD.carried_balance, OLD.tax_rate, OLD.tax_amount, OLD.payable,
            OLD.verification_code, OLD.preparer_id) THEN
        RAISE EXCEPTION 'statement % is approved: its figures are immutable', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlement_statement_immutable
    BEFORE UPDATE OR DELETE ON settlement_statement
    FOR EACH ROW EXECUTE FUNCTION settlement_statement_guard();

CREATE OR REPLACE FUNCTION settlement_line_guard() RETURNS trigger AS $$
DECLARE
    statement_state text;
BEGIN
    SELECT state INTO statement_state FROM settlement_statement
        WHERE id = COALESCE(OLD.statement_id, NEW.statement_id);
    IF statement_state IN {LOCKED} THEN
        RAISE EXCEPTION 'lines of an approved statement are immutable'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlement_line_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON settlement_statementline
    FOR EACH ROW EXECUTE FUNCTION settlement_line_guard();
"""

REVERSE = """
DROP TRIGGER IF EXISTS settlement_line_immutable ON settlement_statementline;
DROP FUNCTION IF EXISTS settlement_line_guard();
DROP TRIGGER IF EXISTS settlement_statement_immutable ON settlement_statement;
DROP FUNCTION IF EXISTS settlement_statement_guard();
DROP TRIGGER IF EXISTS settlement_approval_append_only ON settlement_statementapproval;
DROP TRIGGER IF EXISTS settlement_entry_append_only ON settlement_settlemententry;
DROP FUNCTION IF EXISTS settlement_entry_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial"), ("core", "0003_append_only_audit")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
