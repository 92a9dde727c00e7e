"""The database keeps a closed rebate quarter final (DESIGN §5.2, §6.1): its accruals cannot be
inserted, changed or deleted, and the close itself cannot be undone — whoever connects.

Also a function that refreshes the statistics of the contract revenue table for the calculation:
ANALYZE needs the table's owner, and the portal runs as a role that owns nothing.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION rebates_accrual_closed_guard() RETURNS trigger AS $$
DECLARE
    quarter text := CASE WHEN TG_OP = 'INSERT' THEN NEW.period ELSE OLD.period END;
BEGIN
    IF EXISTS (SELECT 1 FROM rebates_quarterclose WHERE period = quarter)
       OR (TG_OP = 'UPDATE' AND NEW.period <> OLD.period
           AND EXISTS (SELECT 1 FROM rebates_quarterclose WHERE period = NEW.period)) THEN
        RAISE EXCEPTION 'rebate quarter % is closed: its accruals are final', quarter
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER rebates_accrual_closed_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON rebates_accrual
    FOR EACH ROW EXECUTE FUNCTION rebates_accrual_closed_guard();

CREATE TRIGGER rebates_quarterclose_append_only
    BEFORE UPDATE OR DELETE ON rebates_quarterclose
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();

CREATE OR REPLACE FUNCTION rebates_contractrevenue_analyze() RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS 'ANALYZE rebates_contractrevenue';
"""

REVERSE = """
DROP FUNCTION IF EXISTS rebates_contractrevenue_analyze();
DROP TRIGGER IF EXISTS rebates_quarterclose_append_only ON rebates_quarterclose;
DROP TRIGGER IF EXISTS rebates_accrual_closed_quarter ON rebates_accrual;
DROP FUNCTION IF EXISTS rebates_accrual_closed_guard();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("rebates", "0009_accrual_failure"),
        ("core", "0003_append_only_audit"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
