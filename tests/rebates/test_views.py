"""Pages and API of the rebates app: scoping, field errors, audit, query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from core.models import AuditEvent, JobRun
from rebates.models import Accrual, Programme, Target
from rebates.services import accruals_calculate
from tests.factories import PartnerFactory, PartnerUserFactory, tier

from .factories import PERIOD, line, programme, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def accruals(partner, other_partner):
    prog = programme(name="Standard", strategic_product_codes=["STRAT"])
    for p in (partner, other_partner):
        target(prog, p, 1_000_000)
        line(p, 900_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    return {a.partner_id: a for a in Accrual.objects.all()}


def _accrual(partner, prog, period: str) -> Accrual:
    """One calculated accrual of 1 CNY: only its partner, programme and quarter matter here."""
    return Accrual.objects.create(
        partner=partner,
        programme=prog,
        period=period,
        amount=Decimal("1"),
        currency="CNY",
        revenue=Decimal("0"),
        target=Decimal("0"),
        attainment=Decimal("0"),
        effective_rate=Decimal("0"),
        inputs_hash="x",
        calculated_at=timezone.now(),
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("rebates:accrual_list"))
    assert response.status_code == 302


def test_partner_sees_only_its_own_accruals(client, partner_user, accruals, other_partner):
    client.force_login(partner_user)
    page = client.get(reverse("rebates:accrual_list")).content.decode()
    assert partner_user.partner.legal_name in page
    assert other_partner.legal_name not in page


def test_partner_gets_404_for_another_partners_accrual(
    client, partner_user, accruals, other_partner
):
    client.force_login(partner_user)
    response = client.get(reverse("rebates:accrual_detail", args=[accruals[other_partner.pk].pk]))
    assert response.status_code == 404


def test_accrual_detail_shows_trace_and_what_if(client, partner_user, accruals):
    client.force_login(partner_user)
    accrual = accruals[partner_user.partner_id]
    page = client.get(reverse("rebates:accrual_detail", args=[accrual.pk])).content.decode()
    assert "Eligible revenue counted" in page and "90.00 %" in page
    assert "100% bracket" in page  # 100,000 more reaches 100%


def test_trace_is_rendered_in_the_users_language(client, partner_user, accruals):
    partner_user.language = "zh-hans"
    partner_user.save()
    client.force_login(partner_user)
    accrual = accruals[partner_user.partner_id]
    page = client.get(
        reverse("rebates:accrual_detail", args=[accrual.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "达成率" in page


def test_staff_list_query_count_is_fixed(
    client, finance_user, accruals, django_assert_max_num_queries
):
    for _ in range(5):
        p = PartnerFactory()
        target(Programme.objects.get(), p, 1_000_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    client.force_login(finance_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("rebates:accrual_list"), {"period": "2026Q3"})
    assert response.status_code == 200


def test_staff_export_csv_follows_the_filters(client, finance_user, accruals, partner):
    client.force_login(finance_user)
    response = client.get(
        reverse("rebates:accrual_list"), {"partner": partner.legal_name, "export": "csv"}
    )
    text = response.getvalue().decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert partner.tax_id in text and len(text.strip().splitlines()) == 2


def test_programme_with_overlapping_brackets_is_refused_and_nothing_is_stored(client, finance_user):
    client.force_login(finance_user)
    data = {
        "name": "Overlap",
        "mode": "retroactive",
        "eligible_product_codes": "",
        "strategic_product_codes": "",
        "strategic_bonus": "0.03",
        "nps_low_below": "0",
        "nps_low_factor": "0.9",
        "nps_high_from": "50",
        "nps_high_factor": "1.05",
        "contract_cap": "0.2",
        "base_amount": "0",
        "share_rate": "0",
        "is_active": "on",
        "brackets-TOTAL_FORMS": "2",
        "brackets-INITIAL_FORMS": "0",
        "brackets-0-lower": "0",
        "brackets-0-upper": "90",
        "brackets-0-rate": "0",
        "brackets-1-lower": "80",
        "brackets-1-upper": "",
        "brackets-1-rate": "0.05",
    }
    response = client.post(reverse("rebates:programme_create"), data)
    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    assert not Programme.objects.exists()
    data["brackets-0-upper"] = "70"
    response = client.post(reverse("rebates:programme_create"), data)
    assert "gap" in response.content.decode()
    data["brackets-0-upper"] = "80"
    response = client.post(reverse("rebates:programme_create"), data)
    assert response.status_code == 302
    programme_obj = Programme.objects.get()
    assert programme_obj.brackets.count() == 2
    assert AuditEvent.objects.filter(action="rebate_programme.created").exists()


def test_programme_pages_refuse_partners_and_managers(client, partner_user, manager):
    for user in (partner_user, manager):
        client.force_login(user)
        assert client.get(reverse("rebates:programme_list")).status_code == 403


def test_target_set_with_bad_period_gives_field_error(client, finance_user, partner):
    prog = programme()
    client.force_login(finance_user)
    data = {"programme": prog.pk, "partner": partner.tax_id, "period": "2026Q9", "amount": "100"}
    response = client.post(reverse("rebates:target_list"), data)
    assert "error-period" in response.content.decode()
    assert not Target.objects.exists()
    data["period"] = "2026q3"
    assert client.post(reverse("rebates:target_list"), data).status_code == 302
    assert Target.objects.get().amount == Decimal("100")
    assert AuditEvent.objects.filter(action="rebate_target.set").exists()


def test_finance_runs_a_quarter_as_a_job(client, finance_user, partner, committed):
    prog = programme()
    target(prog, partner, 1_000_000)
    line(partner, 800_000)
    client.force_login(finance_user)
    with committed():
        response = client.post(reverse("rebates:accrual_run"), {"period": "2026Q3"})
    assert response.status_code == 302
    assert JobRun.objects.get(kind="rebates.calculate").status == "succeeded"
    assert Accrual.objects.get().amount == Decimal("40000.00")


def test_partners_cannot_run_a_calculation(client, partner_user):
    client.force_login(partner_user)
    assert client.post(reverse("rebates:accrual_run"), {"period": "2026Q3"}).status_code == 403


def test_dashboard_shows_accrued_and_what_if(client, partner_user, accruals, time_machine):
    time_machine.move_to("2026-08-20T08:00:00Z")
    client.force_login(partner_user)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "Accrued in 2026Q3 so far" in page
    assert "100% bracket" in page


def test_api_accruals_are_scoped(api_client, partner_user, accruals, other_partner):
    api_client.force_authenticate(partner_user)
    response = api_client.get("/api/v1/rebates/accruals/")
    ids = {row["partner"] for row in response.json()["results"]}
    assert ids == {partner_user.partner_id}
    other = accruals[other_partner.pk]
    assert api_client.get(f"/api/v1/rebates/accruals/{other.pk}/").status_code == 404


def test_api_programmes_for_staff_only(api_client, partner_user, finance_user, accruals):
    api_client.force_authenticate(partner_user)
    assert api_client.get("/api/v1/rebates/programmes/").status_code == 403
    api_client.force_authenticate(finance_user)
    response = api_client.get("/api/v1/rebates/programmes/")
    assert response.status_code == 200
    assert response.json()["results"][0]["brackets"][1]["rate"] == "0.0500"


def test_api_anonymous_is_refused(api_client):
    assert api_client.get("/api/v1/rebates/accruals/").status_code in (401, 403)


def test_gold_tier_factor_appears_in_trace(partner):
    partner.tier = tier("gold")
    partner.save()
    prog = programme()
    target(prog, partner, 1_000_000)
    line(partner, 1_000_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    assert Accrual.objects.get().trace["multiplier"] == "1.10"


def test_partner_csv_export_holds_only_its_own_accruals(
    client, partner_user, accruals, other_partner
):
    client.force_login(partner_user)
    response = client.get(
        reverse("rebates:accrual_list"), {"export": "csv", "partner": other_partner.legal_name}
    )
    text = response.getvalue().decode("utf-8-sig")
    assert partner_user.partner.tax_id in text
    assert other_partner.tax_id not in text and other_partner.legal_name not in text


def test_staff_filter_finds_a_partner_by_tax_id(
    client, finance_user, accruals, partner, other_partner
):
    client.force_login(finance_user)
    page = client.get(
        reverse("rebates:accrual_list"), {"partner": other_partner.tax_id}
    ).content.decode()
    assert other_partner.legal_name in page
    assert partner.legal_name not in page


def test_staff_filter_by_quarter_and_programme(client, finance_user, accruals, partner):
    prog = Programme.objects.get()
    client.force_login(finance_user)
    response = client.get(
        reverse("rebates:accrual_list"),
        {"period": "2026Q2", "programme": prog.pk, "export": "csv"},
    )
    assert len(response.getvalue().decode("utf-8-sig").strip().splitlines()) == 1
    response = client.get(
        reverse("rebates:accrual_list"),
        {"period": "2026Q3", "programme": prog.pk, "export": "csv"},
    )
    assert len(response.getvalue().decode("utf-8-sig").strip().splitlines()) == 3


def test_bad_filter_input_is_not_a_500(client, finance_user, accruals):
    client.force_login(finance_user)
    response = client.get(reverse("rebates:accrual_list"), {"programme": "abc", "period": "x" * 50})
    assert response.status_code == 200


def test_accrual_detail_lists_contracts_with_their_rebate(client, partner_user, accruals):
    client.force_login(partner_user)
    accrual = accruals[partner_user.partner_id]
    page = client.get(reverse("rebates:accrual_detail", args=[accrual.pk])).content.decode()
    assert "SO-1" in page and "45,000.00" in page


def test_partner_users_cannot_open_or_change_a_programme(client, partner_user):
    # given a programme
    prog = programme(name="Standard")
    client.force_login(partner_user)
    # when a partner user opens or posts to its edit page, then they are refused
    url = reverse("rebates:programme_edit", args=[prog.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Hijacked"}).status_code == 403
    prog.refresh_from_db()
    assert prog.name == "Standard"


def test_what_if_of_a_tier_without_rebate_says_so(client, time_machine):
    # Given a Registered partner (tier multiplier 0) halfway to its target
    time_machine.move_to("2026-08-20T08:00:00Z")
    partner = PartnerFactory(tier=tier("registered"))
    prog = programme(name="Standard", strategic_product_codes=["STRAT"])
    target(prog, partner, 1_000_000)
    line(partner, 500_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    accrual = Accrual.objects.get(partner=partner)
    user = PartnerUserFactory(partner=partner, role=Role.PARTNER_ADMIN)
    client.force_login(user)
    # When the partner reads the dashboard and the accrual
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    detail = client.get(reverse("rebates:accrual_detail", args=[accrual.pk])).content.decode()
    # Then both say the tier earns nothing, instead of "about CNY 0.00"
    assert "current tier earns no rebate in this programme" in dashboard
    assert "paying about" not in dashboard
    assert "current tier earns no rebate in this programme (tier multiplier × 0)" in detail
    assert "There the rebate would be about" not in detail


def test_target_form_names_the_partner_by_tax_id_or_name(client, finance_user, partner):
    # a text field, not a select of every partner (10,000 options at full scale)
    prog = programme()
    client.force_login(finance_user)
    page = client.get(reverse("rebates:target_list")).content.decode()
    assert 'name="partner"' in page and "<option" not in page.split('name="partner"')[1][:200]
    data = {"programme": prog.pk, "partner": "No such partner", "period": "2026Q3", "amount": "1"}
    response = client.post(reverse("rebates:target_list"), data)
    assert "error-partner" in response.content.decode()
    data["partner"] = partner.legal_name
    assert client.post(reverse("rebates:target_list"), data).status_code == 302
    assert Target.objects.get().partner == partner


def test_newest_quarter_pages_hold_the_lists_order(finance_user, monkeypatch):
    # pages of the newest quarter are read from it alone; past it, the general way

    from rebates.selectors import QuarterPages, accrual_list_for

    prog = programme()
    partners = [PartnerFactory() for _ in range(4)]
    for period in ("2026Q2", "2026Q3"):
        for p in partners:
            _accrual(p, prog, period)
    monkeypatch.setattr(QuarterPages, "SHORT", 0)
    accruals = accrual_list_for(user=finance_user)
    rows = QuarterPages(accruals)
    assert rows.count() == 8
    for start, stop in [(0, 3), (0, 4), (2, 6), (4, 8), (6, 8), (8, 8)]:
        assert [a.pk for a in rows[start:stop]] == [a.pk for a in accruals[start:stop]]
    assert {a.period for a in rows[0:4]} == {"2026Q3"}


def test_pages_of_every_quarter_hold_the_lists_order(finance_user, monkeypatch):
    # any page past the first is read from the quarter(s) it falls in, from the nearer end

    from rebates.selectors import QuarterPages, accrual_list_for

    # given three quarters of accruals, one of them with fewer partners
    prog = programme()
    partners = [PartnerFactory() for _ in range(5)]
    for period, count in (("2026Q1", 5), ("2026Q2", 3), ("2026Q3", 5)):
        for p in partners[:count]:
            _accrual(p, prog, period)
    monkeypatch.setattr(QuarterPages, "SHORT", 0)
    accruals = accrual_list_for(user=finance_user)
    expected = [a.pk for a in accruals]
    assert len(expected) == 13

    # when every slice is read through the pager's rows, then each is the list's own slice
    for start in range(13):
        for stop in range(start + 1, 14):
            rows = QuarterPages(accrual_list_for(user=finance_user))
            assert [a.pk for a in rows[start:stop]] == expected[start:stop], (start, stop)
