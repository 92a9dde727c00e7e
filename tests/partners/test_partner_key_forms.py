"""Staff forms that name a partner take its tax ID or exact legal name among the partners the user
may act on (DESIGN §10: a select of 10,000 partners is no form): the agreement and visit forms,
the MDF allocation and the handover of a leaving partner's deals."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from deals.choices import DealStatus
from deals.models import Deal, DealHandover
from funds.models import MdfLedgerEntry
from partners import services
from partners.choices import PartnerStatus
from partners.models import Agreement, PartnerVisit

from ..deals.factories import DealFactory
from ..factories import PartnerFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = "No partner has this tax ID or name."
AMBIGUOUS = "Several partners have this name: enter the tax ID."


@dataclass
class World:
    manager: object
    mine: object  # a partner the manager manages
    theirs: object  # a partner managed by someone else
    leaving: object  # a managed partner in exit, whose deals are handed over
    partner_exit: object
    deal: Deal


@pytest.fixture
def world(db) -> World:
    manager = UserFactory(role=Role.CHANNEL_MANAGER)
    leaving = PartnerFactory(channel_manager=manager, legal_name="Leaving Ltd")
    partner_exit = services.partner_exit_start(
        partner=leaving,
        actor=manager,
        kind="termination",
        reason="Breach not remedied",
        exit_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    deal = DealFactory(
        partner=leaving,
        registered_by=PartnerUserFactory(partner=leaving, role=Role.PARTNER_SALES),
    )
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.SUBMITTED)
    return World(
        manager=manager,
        mine=PartnerFactory(channel_manager=manager, legal_name="上海星辰科技有限公司"),
        theirs=PartnerFactory(channel_manager=UserFactory(role=Role.CHANNEL_MANAGER)),
        leaving=leaving,
        partner_exit=partner_exit,
        deal=deal,
    )


@dataclass(frozen=True)
class Page:
    """One staff form with a partner field: where it is, what it posts besides the partner, what
    it writes, and what its invalid answer's status is."""

    name: str
    url: Callable[[World], str]
    field: str
    data: Callable[[World], dict]
    written: Callable[[], int]
    bad_status: int
    # a partner the user sees but the form refuses, by construction of its scope
    outside: Callable[[World], object]
    # a fresh partner the form accepts
    accepted: Callable[[World], object]
    # queries to open the form, however many partners there are
    max_queries: int = 5


def _managed(world: World, **kwargs):
    return PartnerFactory(channel_manager=world.manager, **kwargs)


PAGES = [
    Page(
        name="agreement",
        url=lambda w: reverse("partners:agreement_create"),
        field="partner",
        data=lambda w: {
            "title": "Reseller agreement",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
        },
        written=lambda: Agreement.objects.count(),
        bad_status=400,
        outside=lambda w: w.theirs,
        accepted=_managed,
    ),
    Page(
        name="visit",
        url=lambda w: reverse("partners:visit_create"),
        field="partner",
        data=lambda w: {"kind": "review", "planned_on": "2026-05-19"},
        written=lambda: PartnerVisit.objects.count(),
        bad_status=400,
        outside=lambda w: w.theirs,
        accepted=_managed,
    ),
    Page(
        name="allocation",
        url=lambda w: reverse("funds:allocate"),
        field="partner",
        data=lambda w: {"amount": "100", "reason": "Summit"},
        written=lambda: MdfLedgerEntry.objects.count(),
        bad_status=200,
        outside=lambda w: w.theirs,
        accepted=_managed,
    ),
    # Deals go to any active partner the manager sees, not one leaving (itself included).
    Page(
        name="handover",
        url=lambda w: reverse("deals:exit_handover", args=[w.partner_exit.pk]),
        field="to_partner",
        data=lambda w: {"ids": [w.deal.pk], "note": "Region"},
        written=lambda: DealHandover.objects.count(),
        bad_status=400,
        outside=lambda w: w.leaving,
        accepted=lambda w, **kwargs: PartnerFactory(**kwargs),
        max_queries=12,
    ),
]
BY_NAME = {page.name: page for page in PAGES}
pages = pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])


def _post(client, world: World, page: Page, key: str):
    client.force_login(world.manager)
    return client.post(page.url(world), {**page.data(world), page.field: key})


@pages
def test_the_form_names_no_partner_and_its_queries_do_not_grow_with_them(
    client, world, page, django_assert_max_num_queries
):
    # given many partners the manager may choose from
    client.force_login(world.manager)
    client.get(page.url(world))
    for n in range(30):
        page.accepted(world, legal_name=f"Contoso branch {n}")

    # when the form is opened
    with django_assert_max_num_queries(page.max_queries):
        response = client.get(page.url(world))

    # then its partner field is a text input with suggestions, not a select of every partner
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<select name="{page.field}"' not in body
    assert f'name="{page.field}"' in body and f'list="id_{page.field}-suggestions"' in body
    assert "Contoso branch" not in body and world.mine.legal_name not in body


@pages
@pytest.mark.parametrize("key", ["tax_id", "spaced_tax_id", "legal_name"])
def test_a_partner_named_by_tax_id_or_exact_name_is_taken(client, world, page, key):
    # given a partner the form accepts
    chosen = page.accepted(world, legal_name="Contoso Trading Ltd", tax_id="91310000CONT0001X")
    typed = {
        "tax_id": chosen.tax_id,
        "spaced_tax_id": "9131 0000 cont 0001x",
        "legal_name": "Contoso Trading Ltd",
    }[key]

    # when the form is posted with it
    response = _post(client, world, page, typed)

    # then the row is written for that partner
    assert response.status_code in (200, 302)
    assert page.written() == 1
    if page.name == "agreement":
        assert Agreement.objects.get().partner == chosen
    elif page.name == "visit":
        assert PartnerVisit.objects.get().partner == chosen
    elif page.name == "allocation":
        assert MdfLedgerEntry.objects.get().partner == chosen
    else:
        assert DealHandover.objects.get().to_partner == chosen
        assert Deal.objects.get(pk=world.deal.pk).partner == chosen


@pages
@pytest.mark.parametrize("case", ["unknown", "ambiguous", "outside_by_tax_id", "outside_by_name"])
def test_a_partner_not_found_among_the_forms_is_a_field_error_and_nothing_is_written(
    client, world, page, case
):
    # given two accepted partners of the same name, and one the form must refuse
    page.accepted(world, legal_name="Twin Trading Ltd")
    page.accepted(world, legal_name="Twin Trading Ltd")
    outside = page.outside(world)
    typed, message = {
        "unknown": ("No Such Partner Ltd", NOT_FOUND),
        "ambiguous": ("Twin Trading Ltd", AMBIGUOUS),
        "outside_by_tax_id": (outside.tax_id, NOT_FOUND),
        "outside_by_name": (outside.legal_name, NOT_FOUND),
    }[case]
    before = page.written()

    # when the form is posted with it
    response = _post(client, world, page, typed)

    # then the partner field says why, keeps what was typed, and nothing is written
    assert response.status_code == page.bad_status
    assert response.context["form"].errors[page.field] == [message]
    assert message in response.content.decode()
    assert f'value="{typed}"' in response.content.decode()
    assert page.written() == before
    assert Deal.objects.get(pk=world.deal.pk).partner == world.leaving


def test_handover_refuses_an_inactive_partner_as_not_found(client, world):
    frozen = PartnerFactory(status=PartnerStatus.FROZEN)
    response = _post(client, world, BY_NAME["handover"], frozen.tax_id)
    assert response.status_code == 400
    assert response.context["form"].errors["to_partner"] == [NOT_FOUND]
    assert not DealHandover.objects.exists()


def test_handover_to_nobody_gives_the_deal_back_to_the_vendor(client, world):
    response = _post(client, world, BY_NAME["handover"], "")
    assert response.status_code == 200
    assert DealHandover.objects.get().to_partner is None


@pytest.mark.parametrize("page", [p for p in PAGES if p.field == "partner"], ids=lambda p: p.name)
def test_an_empty_partner_is_required(client, world, page):
    response = _post(client, world, page, "")
    assert response.status_code == page.bad_status
    assert page.field in response.context["form"].errors
    assert page.written() == 0


def test_visit_plan_opened_for_a_partner_shows_it_filled_in(client, world):
    # given the visits page's link to plan a review meeting with a managed partner
    client.force_login(world.manager)
    url = reverse("partners:visit_create")

    # when it is opened
    body = client.get(url, {"partner": world.mine.pk, "kind": "review"}).content.decode()

    # then the field holds the partner's tax ID, named as its suggestion names it
    assert f'value="{world.mine.tax_id}"' in body
    assert (
        f'<option value="{world.mine.tax_id}" label="{world.mine.legal_name} · '
        f'{world.mine.tax_id}">{world.mine.legal_name}</option>'
    ) in body
    assert f'<div class="helptext partner-key-name">{world.mine.legal_name}</div>' in body


@pytest.mark.parametrize("raw", ["theirs", "999999", "abc"])
def test_visit_plan_opened_for_a_partner_it_may_not_plan_starts_empty(client, world, raw):
    client.force_login(world.manager)
    partner = world.theirs.pk if raw == "theirs" else raw
    response = client.get(reverse("partners:visit_create"), {"partner": partner})
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"]["partner"].value() is None
    assert world.theirs.tax_id not in body and world.theirs.legal_name not in body


def test_the_fields_ask_for_suggestions_of_the_partners_they_take(client, world):
    client.force_login(world.manager)
    suggestions = reverse("partners:partner_suggestions")
    for name in ("agreement", "visit", "allocation"):
        body = client.get(BY_NAME[name].url(world)).content.decode()
        assert f'hx-get="{suggestions}?scope=manage"' in body
    body = client.get(BY_NAME["handover"].url(world)).content.decode()
    assert f'hx-get="{suggestions}?field=to_partner&amp;scope=receive"' in body
