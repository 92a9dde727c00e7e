"""Re-issued statements (DESIGN §6.2): a dispute ends in a new revision that supersedes the
disputed statement, goes through review again and keeps the link; money stays append-only."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from accounts.choices import Role
from core.models import AuditEvent, Notification
from settlement import services
from settlement.choices import DisputeState, EntryKind, StatementState
from settlement.models import SettlementEntry, Statement, StatementLine
from settlement.pdf import statement_pdf_render
from tests.factories import PartnerFactory, PartnerUserFactory, staff

from .factories import published_statement, queue_entry

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def disputed(partner, partner_user, amount="1000.00"):
    statement = published_statement(partner, amount)
    dispute = services.statement_dispute(
        statement=statement,
        actor=partner_user,
        line_ids=[statement.lines.get().pk],
        reason="Two project orders are missing",
    )
    statement.refresh_from_db()
    return statement, dispute


def reissued(partner, partner_user, adjustment="250.00"):
    statement, dispute = disputed(partner, partner_user)
    finance = staff(Role.FINANCE)
    services.dispute_resolve(
        dispute=dispute,
        actor=finance,
        answer="Agreed: 250 more",
        adjustment_amount=Decimal(adjustment) if adjustment else None,
        reissue=True,
    )
    statement.refresh_from_db()
    return statement, statement.successor, finance


def test_reissue_creates_a_draft_revision_that_supersedes_the_disputed_statement(
    partner, partner_user
):
    statement, revision, finance = reissued(partner, partner_user)

    assert statement.state == StatementState.SUPERSEDED
    assert (revision.revision, revision.revision_of, revision.state) == (
        2,
        statement,
        StatementState.DRAFT,
    )
    assert revision.number == statement.number[: -len("-1")] + "-2"
    assert (revision.period, revision.currency, revision.partner) == (
        statement.period,
        statement.currency,
        partner,
    )
    # the old lines as new rows, plus the adjustment the resolution decided, as a new entry
    assert [(line.kind, line.amount) for line in revision.lines.order_by("pk")] == [
        (EntryKind.REBATE_ACCRUAL, Decimal("1000.0000")),
        (EntryKind.DISPUTE_OUTCOME, Decimal("250.0000")),
    ]
    assert revision.payable == Decimal("1250.0000")
    entry = SettlementEntry.objects.get(kind=EntryKind.DISPUTE_OUTCOME)
    assert (entry.statement, entry.period, entry.amount) == (
        revision,
        statement.period,
        Decimal("250.0000"),
    )
    # the superseded statement is untouched but its state: same lines, same figures
    assert statement.lines.count() == 1 and statement.payable == Decimal("1000.0000")
    assert statement.lines.get().entry.statement == statement
    # nothing waits for the next statement: the adjustment is on the revision only
    assert not SettlementEntry.objects.filter(statement__isnull=True).exists()
    dispute = statement.disputes.get()
    assert (dispute.state, dispute.reissued) == (DisputeState.RESOLVED, True)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"statement.reissued", "statement.superseded", "dispute.resolved"} <= actions


def test_reissue_without_adjustment_copies_the_lines(partner, partner_user):
    statement, revision, _finance = reissued(partner, partner_user, adjustment=None)
    assert revision.lines.count() == 1 and revision.payable == statement.payable
    assert not SettlementEntry.objects.filter(kind=EntryKind.DISPUTE_OUTCOME).exists()


def test_the_revision_goes_through_review_with_the_two_person_rules(partner, partner_user):
    statement, revision, finance = reissued(partner, partner_user)
    # the submitter of the round cannot approve in it
    services.statement_submit(statement=revision, actor=finance)
    with pytest.raises(ValidationError):
        services.statement_approve(statement=revision, actor=finance)
    services.statement_approve(statement=revision, actor=staff(Role.FINANCE))
    services.statement_publish(statement=revision, actor=staff(Role.FINANCE))
    revision.refresh_from_db()
    assert revision.state == StatementState.PUBLISHED
    # the partner is told what the revision replaces, in its language
    note = Notification.objects.filter(recipient=partner_user, kind="statement.published").latest(
        "pk"
    )
    assert statement.number in note.body and "Revision 2" in note.body
    # and answers the revision like any statement
    services.statement_confirm(statement=revision, actor=partner_user)
    services.statement_mark_paid(statement=revision, actor=finance)


def test_a_countersigned_revision_needs_three_approvers(partner, partner_user):
    statement, dispute = disputed(partner, partner_user, amount="1500000.00")
    finance = staff(Role.FINANCE)
    services.dispute_resolve(
        dispute=dispute, actor=finance, answer="ok", adjustment_amount=None, reissue=True
    )
    revision = Statement.objects.get(revision_of=statement)
    services.statement_submit(statement=revision, actor=finance)
    for _ in range(2):
        services.statement_approve(statement=revision, actor=staff(Role.FINANCE))
    revision.refresh_from_db()
    assert (revision.required_approvals, revision.state) == (3, StatementState.IN_REVIEW)
    services.statement_approve(statement=revision, actor=staff(Role.CFO))
    revision.refresh_from_db()
    assert revision.state == StatementState.APPROVED


def test_the_superseded_statement_is_read_only(partner, partner_user):
    statement, _revision, finance = reissued(partner, partner_user)
    for service in (services.statement_mark_paid, services.statement_close):
        with pytest.raises(ValidationError):
            service(statement=statement, actor=finance)
    with pytest.raises(ValidationError):
        services.statement_confirm(statement=statement, actor=partner_user)
    statement.refresh_from_db()
    assert statement.state == StatementState.SUPERSEDED


def test_only_a_disputed_statement_is_reissued(partner, partner_user):
    statement, dispute = disputed(partner, partner_user)
    with connection.cursor() as cursor:  # a statement somehow no longer disputed
        cursor.execute(
            "UPDATE settlement_statement SET state = 'paid' WHERE id = %s", [statement.pk]
        )
    with pytest.raises(ValidationError):
        services.dispute_resolve(
            dispute=dispute, actor=staff(Role.FINANCE), answer="x", reissue=True
        )
    assert not Statement.objects.filter(revision_of=statement).exists()


def test_the_database_allows_disputed_to_superseded_and_nothing_else_new(partner, partner_user):
    statement, _revision, _finance = reissued(partner, partner_user)

    def move(pk, state):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE settlement_statement SET state = %s WHERE id = %s", [state, pk])

    # superseded is final
    for state in ("disputed", "paid", "draft", "published"):
        with pytest.raises(IntegrityError):
            move(statement.pk, state)
    # only a disputed statement becomes superseded
    other = published_statement(PartnerFactory())
    with pytest.raises(IntegrityError):
        move(other.pk, "superseded")
    # a superseded statement's figures, lines and link are frozen
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(payable=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.filter(statement=statement).update(amount=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.create(
            statement=statement,
            kind=EntryKind.ADJUSTMENT,
            description="x",
            amount=Decimal("1"),
            original_amount=Decimal("1"),
            original_currency="CNY",
            fx_rate=Decimal("1"),
        )


def test_an_approved_revision_keeps_its_link(partner, partner_user):
    _statement, revision, finance = reissued(partner, partner_user)
    services.statement_submit(statement=revision, actor=finance)
    services.statement_approve(statement=revision, actor=staff(Role.FINANCE))
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=revision.pk).update(revision_of=None)


def test_the_partner_hears_of_the_reissue_in_its_language(partner, partner_user):
    partner_user.language = "zh-hans"
    partner_user.save(update_fields=["language"])
    sales = PartnerUserFactory(partner=partner, role=Role.PARTNER_SALES)
    statement, revision, _finance = reissued(partner, partner_user)
    note = Notification.objects.get(recipient=partner_user, kind="statement.dispute_answered")
    assert revision.number in note.title and "重新开具" in note.title
    assert not Notification.objects.filter(recipient=sales).exists()


def test_pdf_shows_the_revision_and_the_superseded_mark(partner, partner_user):
    statement, revision, _finance = reissued(partner, partner_user)
    text = _text(statement_pdf_render(statement=revision, language="en"))
    assert f"Revision 2, supersedes {statement.number}" in text
    old = _text(statement_pdf_render(statement=statement, language="en"))
    assert f"SUPERSEDED by {revision.number}" in old
    with translation.override("zh-hans"):
        chinese = _text(statement_pdf_render(statement=revision, language="zh-hans"))
    assert "第 2 版" in chinese and statement.number in chinese


def _publish(revision, finance):
    services.statement_submit(statement=revision, actor=finance)
    services.statement_approve(statement=revision, actor=staff(Role.FINANCE))
    services.statement_publish(statement=revision, actor=finance)


def test_pages_show_the_chain_to_the_partner(client, partner, partner_user):
    statement, revision, finance = reissued(partner, partner_user)
    client.force_login(partner_user)
    # before publication the revision is finance's: the partner sees its number, not the page
    page = client.get(reverse("settlement:statement_detail", args=[statement.pk])).content.decode()
    assert 'id="superseded"' in page and revision.number in page
    assert reverse("settlement:statement_detail", args=[revision.pk]) not in page
    assert client.get(reverse("settlement:statement_detail", args=[revision.pk])).status_code == 404
    _publish(revision, finance)
    page = client.get(reverse("settlement:statement_detail", args=[statement.pk])).content.decode()
    assert reverse("settlement:statement_detail", args=[revision.pk]) in page
    # nothing to answer on a superseded statement
    assert reverse("settlement:statement_transition", args=[statement.pk, "confirm"]) not in page
    page = client.get(reverse("settlement:statement_detail", args=[revision.pk])).content.decode()
    assert "Revision 2" in page and statement.number in page
    assert reverse("settlement:statement_transition", args=[revision.pk, "confirm"]) in page
    assert client.get(reverse("settlement:statement_pdf", args=[revision.pk])).status_code == 200


def test_another_company_gets_404_on_the_revision_and_its_pdf(
    client, partner, partner_user, other_partner_user, api_client
):
    _statement, revision, finance = reissued(partner, partner_user)
    _publish(revision, finance)
    client.force_login(other_partner_user)
    for name in ("statement_detail", "statement_pdf", "statement_csv"):
        assert client.get(reverse(f"settlement:{name}", args=[revision.pk])).status_code == 404
    api_client.force_authenticate(other_partner_user)
    response = api_client.get(f"/api/v1/settlement/statements/{revision.pk}/")
    assert response.status_code == 404


def test_finance_resolves_with_a_reissue_from_the_page(client, partner, partner_user):
    statement, dispute = disputed(partner, partner_user)
    finance = staff(Role.FINANCE)
    client.force_login(finance)
    page = client.get(reverse("settlement:statement_detail", args=[statement.pk])).content.decode()
    assert 'name="reissue"' in page
    response = client.post(
        reverse("settlement:dispute_resolve", args=[dispute.pk]),
        {"answer": "Agreed", "adjustment_amount": "80.00", "reissue": "on"},
    )
    revision = Statement.objects.get(revision_of=statement)
    assert response.status_code == 302
    assert response["Location"] == reverse("settlement:statement_detail", args=[revision.pk])
    assert revision.payable == Decimal("1080.0000")
    page = client.get(response["Location"]).content.decode()
    assert "Submit for review" in page and statement.number in page


def test_the_api_resolves_with_a_reissue(api_client, partner, partner_user):
    statement, _dispute = disputed(partner, partner_user)
    url = f"/api/v1/settlement/statements/{statement.pk}/resolve-dispute/"
    api_client.force_authenticate(partner_user)
    assert api_client.post(url, {"answer": "x"}, format="json").status_code == 403
    api_client.force_authenticate(staff(Role.FINANCE))
    bad = api_client.post(url, {"answer": "", "adjustment_amount": "a lot"}, format="json")
    assert bad.status_code == 400 and {"answer", "adjustment_amount"} <= set(bad.json())
    response = api_client.post(
        url, {"answer": "Agreed", "adjustment_amount": "12.50", "reissue": True}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    revision = Statement.objects.get(revision_of=statement)
    assert (body["state"], body["superseded_by"]) == ("superseded", revision.pk)
    detail = api_client.get(f"/api/v1/settlement/statements/{revision.pk}/").json()
    assert (detail["revision"], detail["revision_of"]) == (2, statement.pk)
    again = api_client.post(url, {"answer": "again"}, format="json")
    assert again.status_code == 400


def test_the_next_period_does_not_carry_from_a_superseded_statement(partner, partner_user):
    statement, revision, finance = reissued(partner, partner_user)
    queue_entry(partner, "10.00", period="2026Q4")
    nxt = services.statement_build(partner=partner, period="2026Q4")
    assert nxt.carried_balance == 0 and nxt.lines.count() == 1
