"""The MDF activity a deal came from is kept by funds now (`funds.ActivityDeal`, which copied the
links): deals drops its upward foreign key."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("deals", "0008_won_line_view"),
        ("funds", "0004_activity_deal"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="deal",
            name="fund_request",
        ),
    ]
