"""The MDF ledger is append-only in the database; the default approval matrix (DESIGN §7)."""

from decimal import Decimal

from django.db import migrations

SQL = """
CREATE TRIGGER funds_mdfledgerentry_append_only
    BEFORE UPDATE OR DELETE ON funds_mdfledgerentry
    FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS funds_mdfledgerentry_append_only ON funds_mdfledgerentry;"

DEFAULT_RULES = [
    (Decimal("10000.00"), ["channel_manager", "channel_director", "cfo"], [], 1),
    (Decimal("100000.00"), ["channel_director", "cfo"], [], 1),
    (None, ["cfo", "channel_director", "admin"], ["cfo"], 2),
]


def seed_rules(apps, schema_editor):
    ApprovalRule = apps.get_model("funds", "ApprovalRule")
    if ApprovalRule.objects.exists():
        return
    for limit, roles, required, count in DEFAULT_RULES:
        ApprovalRule.objects.create(
            max_amount_cny=limit,
            approver_roles=roles,
            required_roles=required,
            approvals_required=count,
        )


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial"), ("core", "0003_append_only_audit")]
    operations = [
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
    ]
