"""The audit log is append-only in the database itself, not only by convention (DESIGN §9)."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION prm_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();
"""

REVERSE = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm;", migrations.RunSQL.noop),
        migrations.RunSQL(SQL, REVERSE),
    ]
