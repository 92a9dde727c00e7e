from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rebates", "0001_initial"),
        ("core", "0003_append_only_audit"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE TRIGGER rebates_salesline_append_only BEFORE UPDATE OR DELETE "
                "ON rebates_salesline FOR EACH ROW EXECUTE FUNCTION prm_refuse_change();"
            ),
            reverse_sql="DROP TRIGGER IF EXISTS rebates_salesline_append_only ON rebates_salesline;",
        ),
    ]
