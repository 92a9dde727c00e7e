"""Put every existing approval in the review round it was given in (DESIGN §6.1).

Rounds are rebuilt from the statements' audit trail: each `statement.submitted` event opens a
round, the next `statement.returned` or `statement.approved` event ends it, and an approval belongs
to the last round submitted before it. A statement without that trail gets one round holding all
its approvals, ended as its state says. So approvals given before a return no longer count.
"""

from django.db import migrations

OPEN, RETURNED, APPROVED = "open", "returned", "approved"
LOCKED = {"approved", "published", "confirmed", "disputed", "paid", "closed"}
ROUND_EVENTS = ("statement.submitted", "statement.returned", "statement.approved")


def _rounds_from_events(events) -> list[dict]:
    rounds: list[dict] = []
    for event in events:
        if event.action == "statement.submitted":
            if rounds and rounds[-1]["outcome"] == OPEN:
                # Submitted again without a recorded end: the earlier round ended then.
                rounds[-1].update(outcome=RETURNED, ended_at=event.created_at)
            rounds.append(
                {
                    "submitted_by_id": event.actor_id,
                    "submitted_at": event.created_at,
                    "outcome": OPEN,
                }
            )
        elif rounds and rounds[-1]["outcome"] == OPEN:
            returned = event.action == "statement.returned"
            rounds[-1].update(
                outcome=RETURNED if returned else APPROVED,
                ended_by_id=event.actor_id,
                ended_at=event.created_at,
                end_note=event.note[:300] if returned else "",
            )
    return rounds


def rounds_from_history(apps, schema_editor):
    Statement = apps.get_model("settlement", "Statement")
    StatementApproval = apps.get_model("settlement", "StatementApproval")
    ReviewRound = apps.get_model("settlement", "ReviewRound")
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="settlement", model="statement").first()
    reviewed = set(StatementApproval.objects.values_list("statement_id", flat=True)) | set(
        Statement.objects.exclude(state="draft").values_list("pk", flat=True)
    )
    for statement in Statement.objects.filter(pk__in=reviewed).order_by("pk").iterator():
        approvals = list(
            StatementApproval.objects.filter(statement=statement).order_by("created_at", "pk")
        )
        events = (
            AuditEvent.objects.filter(
                content_type=content_type, object_id=str(statement.pk), action__in=ROUND_EVENTS
            ).order_by("created_at", "pk")
            if content_type
            else []
        )
        rounds = _rounds_from_events(events) or [
            {
                "submitted_by_id": statement.preparer_id,
                "submitted_at": approvals[0].created_at if approvals else statement.created_at,
                "outcome": OPEN,
            }
        ]
        last = rounds[-1]
        if last["outcome"] == OPEN and statement.state != "in_review":
            last.update(
                outcome=APPROVED if statement.state in LOCKED else RETURNED,
                ended_at=approvals[-1].created_at if approvals else last["submitted_at"],
            )
        created = [
            ReviewRound.objects.create(
                statement=statement,
                number=number,
                required_approvals=statement.required_approvals,
                **fields,
            )
            for number, fields in enumerate(rounds, start=1)
        ]
        for approval in approvals:
            given_in = created[0]
            for review_round in created:
                if review_round.submitted_at <= approval.created_at:
                    given_in = review_round
            StatementApproval.objects.filter(pk=approval.pk).update(review_round=given_in)


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0007_review_rounds"),
        ("core", "0003_append_only_audit"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # Approvals are append-only; only this migration may file the existing ones in a round.
        migrations.RunSQL(
            "ALTER TABLE settlement_statementapproval"
            " DISABLE TRIGGER settlement_approval_append_only",
            migrations.RunSQL.noop,
        ),
        migrations.RunPython(rounds_from_history, migrations.RunPython.noop),
        migrations.RunSQL(
            "SET CONSTRAINTS ALL IMMEDIATE; ALTER TABLE settlement_statementapproval"
            " ENABLE TRIGGER settlement_approval_append_only",
            migrations.RunSQL.noop,
        ),
    ]
