"""The MDF ledger is append-only in the database; the default approval matrix (DESIGN §7)."""

from django.db import migrations

SQL = """
CREATE TRIGGER funds_mdfledgerentry_append_only
    BEFORE UPDATE OR DELETE ON funds_mdfledgerentry
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS funds_mdfledgerentry_append_only ON funds_mdfledgerentry;"

def seed_rules(apps, schema_editor):
    from funds.defaults import ensure_default_matrix

    ensure_default_matrix(apps.get_model("funds", "ApprovalRule"))


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial"), ("core", "0003_append_only_audit")]
    operations = [
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
    ]
