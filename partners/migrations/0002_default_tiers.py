"""The four tiers of DESIGN §2.3, as data an administrator can change."""

from django.db import migrations

from partners.defaults import ensure_default_tiers


def create_tiers(apps, schema_editor):
    ensure_default_tiers(apps.get_model("partners", "Tier"))


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(create_tiers, migrations.RunPython.noop)]
