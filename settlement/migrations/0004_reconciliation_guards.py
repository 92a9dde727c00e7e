"""Imported orders, deliveries and payments, matches and resolutions are append-only (DESIGN §6.4).

An order's reconciliation figures (status, paid, delivered) and an anomaly's state are the only
columns that change, and an anomaly only leaves the open state.
"""

from django.db import migrations

SQL = """
ALTER TABLE settlement_order SET (fillfactor = 70);

CREATE OR REPLACE FUNCTION settlement_order_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'orders are never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.partner_id, NEW.reference, NEW.order_date, NEW.amount, NEW.currency, NEW.source,
        NEW.deal_id, NEW.import_batch_id, NEW.created_at)
       IS DISTINCT FROM
       (OLD.partner_id, OLD.reference, OLD.order_date, OLD.amount, OLD.currency, OLD.source,
        OLD.deal_id, OLD.import_batch_id, OLD.created_at) THEN
        RAISE EXCEPTION 'order % is recorded: only its reconciliation status changes', OLD.reference
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Fires only when a recorded column is written, so the matching job's figure updates cost nothing.
CREATE TRIGGER settlement_order_recorded
    BEFORE UPDATE OF partner_id, reference, order_date, amount, currency, source, deal_id,
        import_batch_id, created_at OR DELETE ON settlement_order
    FOR EACH ROW EXECUTE FUNCTION settlement_order_guard();

CREATE TRIGGER settlement_delivery_append_only
    BEFORE UPDATE OR DELETE ON settlement_delivery
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();

CREATE TRIGGER settlement_payment_append_only
    BEFORE UPDATE OR DELETE ON settlement_payment
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();

CREATE TRIGGER settlement_match_append_only
    BEFORE UPDATE OR DELETE ON settlement_reconciliationmatch
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();

CREATE TRIGGER settlement_resolution_append_only
    BEFORE UPDATE OR DELETE ON settlement_anomalyresolution
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();

CREATE OR REPLACE FUNCTION settlement_anomaly_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'anomalies are never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.state = 'open' AND NEW.state <> 'open'
       AND (NEW.kind, NEW.partner_id, NEW.run_id, NEW.order_id, NEW.payment_id,
            NEW.related_payment_id, NEW.delivery_id, NEW.expected_amount, NEW.actual_amount,
            NEW.currency, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.kind, OLD.partner_id, OLD.run_id, OLD.order_id, OLD.payment_id,
            OLD.related_payment_id, OLD.delivery_id, OLD.expected_amount, OLD.actual_amount,
            OLD.currency, OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an anomaly only changes once, from open to closed'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlement_anomaly_closes_once
    BEFORE UPDATE OR DELETE ON settlement_reconciliationanomaly
    FOR EACH ROW EXECUTE FUNCTION settlement_anomaly_guard();
"""

REVERSE = """
DROP TRIGGER IF EXISTS settlement_anomaly_closes_once ON settlement_reconciliationanomaly;
DROP FUNCTION IF EXISTS settlement_anomaly_guard();
DROP TRIGGER IF EXISTS settlement_resolution_append_only ON settlement_anomalyresolution;
DROP TRIGGER IF EXISTS settlement_match_append_only ON settlement_reconciliationmatch;
DROP TRIGGER IF EXISTS settlement_payment_append_only ON settlement_payment;
DROP TRIGGER IF EXISTS settlement_delivery_append_only ON settlement_delivery;
DROP TRIGGER IF EXISTS settlement_order_recorded ON settlement_order;
DROP FUNCTION IF EXISTS settlement_order_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("settlement", "0003_reconciliation")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
