"""Each partner's certified staff counted ahead of the coverage list (DESIGN §3, §10), and the
trigger that keeps the counts honest: any write of a certification drops its partner's row (both
partners' when one moves), whoever writes and however (a bulk update, the admin, SQL), so a row
never outlives a change; the list counts a partner without a row live."""

import django.db.models.deletion
from django.db import migrations, models

SQL = """
CREATE OR REPLACE FUNCTION training_coverage_forget() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM training_partnercoverage WHERE partner_id = OLD.partner_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        DELETE FROM training_partnercoverage WHERE partner_id = NEW.partner_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER training_certification_coverage
    AFTER INSERT OR DELETE OR UPDATE OF partner_id, user_id, level, issued_on, expires_on,
        detached_on
    ON training_certification
    FOR EACH ROW EXECUTE FUNCTION training_coverage_forget();
"""

REVERSE = """
DROP TRIGGER IF EXISTS training_certification_coverage ON training_certification;
DROP FUNCTION IF EXISTS training_coverage_forget();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0016_name_search_index"),
        ("training", "0008_coverage_list_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="PartnerCoverage",
            fields=[
                (
                    "partner",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="certification_coverage",
                        serialize=False,
                        to="partners.partner",
                    ),
                ),
                ("certified", models.PositiveIntegerField(verbose_name="certified staff")),
                (
                    "senior_certified",
                    models.PositiveIntegerField(verbose_name="senior certified staff"),
                ),
                ("counted_on", models.DateField(verbose_name="counted on")),
                (
                    "valid_until",
                    models.DateField(blank=True, null=True, verbose_name="valid until"),
                ),
            ],
            options={
                "verbose_name": "certification coverage",
                "verbose_name_plural": "certification coverage",
            },
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
