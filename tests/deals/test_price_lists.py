"""Price lists with effective dates (DESIGN §4.4): guide price, tier agreement price (list less
the tier's discount) and retail floor, each dated and in a currency; append-only; the deal check
reads the floor of the submission date."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.choices import Role
from core.models import AuditEvent, ImportBatch, ImportStatus
from deals import selectors, services
from deals.choices import PriceLevel
from deals.models import PRICE_LIST_START, PriceListEntry, Product, ProductTierDiscount
from deals.services import PriceChange
from tests.conftest import login
from tests.factories import staff, tier

from .factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def schedule(product, actor=None, **change) -> PriceListEntry:
    change.setdefault("valid_from", TODAY())
    if change["level"] != PriceLevel.AGREEMENT:
        change.setdefault("currency", product.currency)
    return services.price_list_entry_schedule(
        actor=actor or staff(Role.FINANCE), product=product, change=PriceChange(**change)
    )


def levels(product) -> list[tuple]:
    return list(
        PriceListEntry.objects.filter(product=product)
        .order_by("level", "valid_from")
        .values_list("level", "price", "valid_from", "valid_to")
    )


# --- every product has a price list -------------------------------------------------------------
def test_a_new_product_starts_its_price_list_with_its_prices():
    # given a product created by any door (here the ORM)
    product = ProductFactory(list_price=Decimal("1000.00"), floor_price=Decimal("600.00"))
    # then its guide and floor hold from the start of the price list, open
    assert levels(product) == [
        ("floor", Decimal("600.00"), PRICE_LIST_START, None),
        ("guide", Decimal("1000.00"), PRICE_LIST_START, None),
    ]
    assert selectors.floor_on(product, datetime.date(2001, 1, 1)).amount == Decimal("600.00")


# --- effective dates ---------------------------------------------------------------------------
def test_a_new_price_holds_from_its_date_and_closes_the_running_one():
    # given a guide price of 1,000
    product = ProductFactory()
    # when 1,200 is scheduled from ten days ahead
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("1200"), valid_from=days(10))
    # then the day before still has 1,000, the day itself and later 1,200
    assert selectors.price_on(product, PriceLevel.GUIDE, days(9)).amount == Decimal("1000.00")
    assert selectors.price_on(product, PriceLevel.GUIDE, days(10)).amount == Decimal("1200.00")
    assert selectors.price_on(product, PriceLevel.GUIDE, days(400)).amount == Decimal("1200.00")
    assert levels(product)[1:] == [
        ("guide", Decimal("1000.00"), PRICE_LIST_START, days(10)),
        ("guide", Decimal("1200.00"), days(10), None),
    ]
    # and today's price of the product is still the running one
    product.refresh_from_db()
    assert product.list_price == Decimal("1000.00")


def test_a_price_from_today_becomes_the_products_current_price_at_once():
    product = ProductFactory()
    schedule(product, level=PriceLevel.FLOOR, price=Decimal("700"))
    product.refresh_from_db()
    assert product.floor_price == Decimal("700.00")


def test_the_nightly_refresh_makes_a_scheduled_price_current_on_its_day():
    # given a guide price scheduled for three days ahead
    product = ProductFactory()
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("1300"), valid_from=days(3))
    # when the nightly step runs on that day (twice: idempotent)
    assert services.price_list_current_refresh(on=days(3)) == 1
    assert services.price_list_current_refresh(on=days(3)) == 0
    # then it is the product's current list price
    product.refresh_from_db()
    assert product.list_price == Decimal("1300.00")


def test_a_temporary_price_lets_the_running_one_resume():
    product = ProductFactory()
    schedule(
        product, level=PriceLevel.GUIDE, price=Decimal("900"), valid_from=days(5), valid_to=days(8)
    )
    on = {n: selectors.price_on(product, PriceLevel.GUIDE, days(n)).amount for n in (4, 5, 7, 8)}
    assert on == {
        4: Decimal("1000.00"),
        5: Decimal("900.00"),
        7: Decimal("900.00"),
        8: Decimal("1000.00"),
    }


def test_a_price_before_a_scheduled_one_runs_until_it():
    product = ProductFactory()
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("1500"), valid_from=days(20))
    entry = schedule(product, level=PriceLevel.GUIDE, price=Decimal("1100"), valid_from=days(10))
    assert entry.valid_to == days(20)
    assert selectors.price_on(product, PriceLevel.GUIDE, days(25)).amount == Decimal("1500.00")


def test_the_agreement_price_is_the_guide_price_of_the_day_less_the_tiers_discount():
    # given gold's 10% agreement discount, and a guide price rising from day 30
    product = ProductFactory()
    gold = tier("gold")
    schedule(product, level=PriceLevel.AGREEMENT, tier_id=gold.pk, discount_percent=Decimal("10"))
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("2000"), valid_from=days(30))
    # then gold's agreement price follows the guide price; a tier without a discount pays list
    agreement = PriceLevel.AGREEMENT
    assert selectors.price_on(product, agreement, TODAY(), tier=gold).amount == Decimal("900.00")
    assert selectors.price_on(product, agreement, days(30), tier=gold).amount == Decimal("1800.00")
    silver = tier("silver")
    assert selectors.price_on(product, agreement, days(30), tier=silver).amount == Decimal("2000")
    # and today's discount is the product's current tier discount
    assert ProductTierDiscount.objects.get(product=product, tier=gold).discount_percent == 10


# --- append-only, no overlap (database) ----------------------------------------------------------
def test_the_database_refuses_overlapping_periods_of_one_level():
    product = ProductFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListEntry.objects.create(
            product=product, level="floor", price=1, currency="CNY", valid_from=days(3)
        )


def test_the_database_refuses_an_edit_in_place_or_a_delete():
    product = ProductFactory()
    entry = product.price_entries.get(level="guide")
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListEntry.objects.filter(pk=entry.pk).update(price=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListEntry.objects.filter(pk=entry.pk).update(valid_to=None, valid_from=days(1))


def test_a_second_price_on_the_same_day_is_refused_with_the_date():
    product = ProductFactory()
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("1100"), valid_from=days(4))
    with pytest.raises(ValidationError) as caught:
        schedule(product, level=PriceLevel.GUIDE, price=Decimal("1200"), valid_from=days(4))
    assert "valid_from" in caught.value.message_dict


def test_an_end_date_past_the_next_scheduled_price_is_refused():
    product = ProductFactory()
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("1500"), valid_from=days(20))
    with pytest.raises(ValidationError) as caught:
        schedule(
            product,
            level=PriceLevel.GUIDE,
            price=Decimal("1100"),
            valid_from=days(10),
            valid_to=days(25),
        )
    assert "valid_to" in caught.value.message_dict


# --- floor ≤ guide, and sane input ------------------------------------------------------------
def test_a_floor_above_the_guide_price_on_its_date_is_refused_and_nothing_changes():
    product = ProductFactory()  # guide 1,000, floor 600
    before = levels(product)
    with pytest.raises(ValidationError) as caught:
        schedule(product, level=PriceLevel.FLOOR, price=Decimal("1000.01"), valid_from=days(2))
    assert "above the guide price" in caught.value.message_dict["price"][0]
    assert levels(product) == before


def test_a_guide_price_under_a_later_floor_is_refused():
    # given a floor of 800 from day 10
    product = ProductFactory()
    schedule(product, level=PriceLevel.FLOOR, price=Decimal("800"), valid_from=days(10))
    # when the guide drops to 700 from day 5: on day 10 the floor would be above it
    with pytest.raises(ValidationError) as caught:
        schedule(product, level=PriceLevel.GUIDE, price=Decimal("700"), valid_from=days(5))
    assert days(10).isoformat() in caught.value.message_dict["price"][0]


def test_a_floor_in_another_currency_than_the_guide_is_refused():
    product = ProductFactory(currency="CNY")
    with pytest.raises(ValidationError) as caught:
        schedule(product, level=PriceLevel.FLOOR, price=Decimal("50"), currency="USD")
    assert "currency" in caught.value.message_dict


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"level": "guide", "price": Decimal("0")}, "price"),
        ({"level": "guide", "price": Decimal("-5")}, "price"),
        ({"level": "guide", "price": None}, "price"),
        ({"level": "guide", "price": Decimal("5"), "valid_from": days(-1)}, "valid_from"),
        ({"level": "guide", "price": Decimal("5"), "valid_from": days(5000)}, "valid_from"),
        ({"level": "guide", "price": Decimal("5"), "valid_to": TODAY()}, "valid_to"),
        ({"level": "agreement", "discount_percent": Decimal("10")}, "tier"),
        (
            {"level": "agreement", "tier_id": 1, "discount_percent": Decimal("101")},
            "discount_percent",
        ),
    ],
)
def test_bad_input_gets_a_field_message(change, field):
    product = ProductFactory()
    with pytest.raises(ValidationError) as caught:
        schedule(product, **change)
    assert field in caught.value.message_dict


def test_only_price_list_roles_may_schedule():
    product = ProductFactory()
    for role in (Role.CHANNEL_MANAGER, Role.LEGAL, Role.CFO):
        with pytest.raises(PermissionDenied):
            schedule(product, actor=staff(role), level=PriceLevel.GUIDE, price=Decimal("9"))


def test_scheduling_writes_an_audit_row():
    actor = staff(Role.CHANNEL_DIRECTOR)
    product = ProductFactory()
    entry = schedule(product, actor=actor, level=PriceLevel.GUIDE, price=Decimal("1100"))
    event = AuditEvent.objects.get(action="price_list.scheduled")
    assert event.actor == actor and event.object_id == str(entry.pk)
    assert event.changes["price"] == {"before": "CNY 1,000.00", "after": "CNY 1,100.00"}


# --- the deal check: the floor of the submission date -----------------------------------------
def test_the_deal_check_uses_the_floor_of_the_submission_date():
    # given a floor of 600 today that rises to 950 from tomorrow
    product = ProductFactory()
    schedule(product, level=PriceLevel.FLOOR, price=Decimal("950"), valid_from=days(1))
    # when a line at 900 is submitted today
    deal = DealFactory(lines=[(product, 1, Decimal("900"))])
    deal = services.deal_submit(deal=deal, actor=deal.registered_by)
    # then it is compared with today's floor: not below
    assert deal.lines.get().floor_price == Decimal("600.00")
    assert not deal.below_floor


def test_a_price_change_after_submission_leaves_the_deals_check_alone():
    # given a deal submitted at 900 against a floor of 600
    product = ProductFactory()
    first = DealFactory(lines=[(product, 1, Decimal("900"))])
    first = services.deal_submit(deal=first, actor=first.registered_by)
    # when the floor of the same day is raised to 950
    schedule(product, level=PriceLevel.FLOOR, price=Decimal("950"))
    # then the submitted deal keeps its check; a deal submitted now is below the floor
    first.refresh_from_db()
    assert first.lines.get().floor_price == Decimal("600.00") and not first.below_floor
    second = DealFactory(lines=[(product, 1, Decimal("900"))])
    second = services.deal_submit(deal=second, actor=second.registered_by)
    assert second.lines.get().floor_price == Decimal("950.00") and second.below_floor


def test_a_product_without_a_floor_on_the_submission_date_holds_the_check_with_a_message():
    # given a product whose floor ended yesterday (a closed period, nothing after it)
    product = ProductFactory()
    PriceListEntry.objects.filter(product=product, level="floor").update(valid_to=TODAY())
    # when a deal is submitted
    deal = DealFactory(lines=[(product, 1, Decimal("900"))])
    deal = services.deal_submit(deal=deal, actor=deal.registered_by)
    # then the check is held, never passed silently, and says why
    assert deal.price_check_held and not deal.below_floor
    assert f"{product.sku} had no floor price on {TODAY().isoformat()}" in deal.price_check_message


def test_the_floor_view_lists_each_floor_with_its_dates():
    product = ProductFactory()
    schedule(product, level=PriceLevel.FLOOR, price=Decimal("700"), valid_from=days(7))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT price, currency, valid_from, valid_to FROM deals_floor_price_v "
            "WHERE product_id = %s ORDER BY valid_from NULLS FIRST",
            [product.pk],
        )
        rows = cursor.fetchall()
    assert rows == [
        (Decimal("600.00"), "CNY", None, days(7)),
        (Decimal("700.00"), "CNY", days(7), None),
    ]


# --- pages ---------------------------------------------------------------------------------------
def test_the_price_list_page_shows_levels_tiers_and_history(client):
    product = ProductFactory(sku="SW-PL-1")
    gold = tier("gold")
    schedule(product, level=PriceLevel.AGREEMENT, tier_id=gold.pk, discount_percent=Decimal("12.5"))
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("1100"), valid_from=days(10))
    response = login(client, staff(Role.FINANCE)).get(
        reverse("deals:price_list_detail", args=[product.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "CNY 1,000.00" in html and "CNY 600.00" in html  # today's guide and floor
    assert "CNY 875.00" in html  # gold: 1,000 less 12.5%
    assert days(10).isoformat() in html and "Scheduled" in html


def test_the_index_lists_products_with_few_queries(client, django_assert_max_num_queries):
    for _ in range(5):
        ProductFactory()
    login(client, staff(Role.CHANNEL_DIRECTOR))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("deals:price_list_index") + "?sort=-guide")
    assert response.status_code == 200
    assert response.content.decode().count("/deals/price-lists/") >= 5


def test_the_schedule_form_saves_through_the_service(client):
    product = ProductFactory()
    login(client, staff(Role.FINANCE))
    response = client.post(
        reverse("deals:price_list_schedule", args=[product.pk]),
        {"level": "guide", "price": "1250.00", "currency": "CNY", "valid_from": days(3)},
    )
    assert response.status_code == 302
    assert selectors.price_on(product, PriceLevel.GUIDE, days(3)).amount == Decimal("1250.00")
    assert AuditEvent.objects.filter(action="price_list.scheduled").count() == 1


def test_the_schedule_form_answers_a_floor_above_guide_on_the_field(client):
    product = ProductFactory()
    login(client, staff(Role.FINANCE))
    response = client.post(
        reverse("deals:price_list_schedule", args=[product.pk]),
        {"level": "floor", "price": "5000", "currency": "CNY", "valid_from": days(1)},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["price"]
    assert 'id="error-price"' in response.content.decode()
    assert PriceListEntry.objects.filter(product=product).count() == 2


def test_the_schedule_form_answers_bad_dates_on_the_fields(client):
    product = ProductFactory()
    login(client, staff(Role.FINANCE))
    response = client.post(
        reverse("deals:price_list_schedule", args=[product.pk]),
        {
            "level": "guide",
            "price": "10",
            "currency": "CNY",
            "valid_from": days(5),
            "valid_to": days(2),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["valid_to"]


@pytest.mark.parametrize("name", ["price_list_index", "price_list_detail", "price_list_schedule"])
def test_partners_and_other_staff_never_see_the_price_list_pages(client, partner_user, name):
    product = ProductFactory()
    args = [] if name == "price_list_index" else [product.pk]
    for user in (partner_user, staff(Role.CHANNEL_MANAGER)):
        response = login(client, user).get(reverse(f"deals:{name}", args=args))
        assert response.status_code in (403, 404)
        assert "600.00" not in response.content.decode()


def test_an_unknown_product_id_is_not_found(client):
    login(client, staff(Role.FINANCE))
    assert client.get(reverse("deals:price_list_detail", args=[999999])).status_code == 404


def test_the_settings_page_lists_price_lists_for_finance_only(client, partner_user):
    login(client, staff(Role.FINANCE))
    assert reverse("deals:price_list_index") in client.get(reverse("core:settings")).text
    login(client, staff(Role.CHANNEL_MANAGER))
    response = client.get(reverse("core:settings"))
    assert reverse("deals:price_list_index") not in response.content.decode()


def test_the_price_list_page_reads_in_chinese(client):
    product = ProductFactory()
    login(client, staff(Role.FINANCE, language="zh-hans"))
    response = client.get(reverse("deals:price_list_detail", args=[product.pk]))
    html = response.content.decode()
    assert "零售底价" in html and "指导价" in html and "历史" in html


def test_the_price_list_export_holds_the_filtered_products(client, partner_user):
    ProductFactory(sku="EXP-1", name="Router")
    ProductFactory(sku="EXP-2", name="Switch")
    login(client, staff(Role.FINANCE))
    response = client.get(
        reverse("core:export", args=["price-lists"]), {"format": "csv", "q": "EXP-1"}
    )
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    assert response.status_code == 200
    assert b"EXP-1" in body and b"EXP-2" not in body
    login(client, partner_user)
    refused = client.get(reverse("core:export", args=["price-lists"]), {"format": "csv"})
    assert refused.status_code in (403, 404)


# --- API -------------------------------------------------------------------------------------
URL = "/api/v1/price-list-entries/"


def test_the_api_lists_entries_effective_on_a_day(api_client):
    product = ProductFactory()
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("1200"), valid_from=days(10))
    api_client.force_authenticate(staff(Role.FINANCE))
    body = api_client.get(
        URL, {"product": product.pk, "level": "guide", "effective_on": days(12)}
    ).json()
    assert [(r["price"], r["valid_from"]) for r in body["results"]] == [
        ("1200.00", days(10).isoformat())
    ]
    entry_id = body["results"][0]["id"]
    assert api_client.get(f"{URL}{entry_id}/").json()["valid_to"] is None


def test_the_api_schedules_once_per_idempotency_key(api_client):
    product = ProductFactory()
    api_client.force_authenticate(staff(Role.CHANNEL_DIRECTOR))
    payload = {
        "product": product.sku,
        "level": "floor",
        "price": "650.00",
        "currency": "CNY",
        "valid_from": days(2).isoformat(),
    }
    first = api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="pl-key-1")
    again = api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="pl-key-1")
    assert first.status_code == 201, first.json()
    assert again.json()["id"] == first.json()["id"]
    assert PriceListEntry.objects.filter(product=product, level="floor").count() == 2


def test_the_api_answers_a_floor_above_guide_with_a_field_error(api_client):
    product = ProductFactory()
    api_client.force_authenticate(staff(Role.FINANCE))
    response = api_client.post(
        URL,
        {
            "product": product.sku,
            "level": "floor",
            "price": "1500",
            "currency": "CNY",
            "valid_from": days(2).isoformat(),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="pl-key-2",
    )
    assert response.status_code == 400 and "price" in response.json()
    assert PriceListEntry.objects.filter(product=product).count() == 2


def test_partners_are_refused_the_api_even_with_an_entry_id(api_client, partner_user):
    entry = ProductFactory().price_entries.first()
    api_client.force_authenticate(partner_user)
    assert api_client.get(URL).status_code == 403
    assert api_client.get(f"{URL}{entry.pk}/").status_code in (403, 404)
    response = api_client.post(URL, {}, format="json", HTTP_IDEMPOTENCY_KEY="pl-key-3")
    assert response.status_code in (403, 404)


# --- imports -----------------------------------------------------------------------------------
def upload(client, text, committed, name="prices.csv") -> ImportBatch:
    with committed():
        client.post(
            reverse("core:import_upload", args=["price_list"]),
            {"file": SimpleUploadedFile(name, text if isinstance(text, bytes) else text.encode())},
        )
    return ImportBatch.objects.latest("pk")


HEADER = "sku,level,tier,price,discount_percent,currency,valid_from,valid_to\n"


def test_a_price_list_file_schedules_every_level(client, committed):
    product = ProductFactory(sku="PL-1")
    tier("gold")
    login(client, staff(Role.FINANCE))
    text = HEADER + (
        f"PL-1,guide,,1500,,CNY,{days(5)},\n"
        f"PL-1,floor,,900,,CNY,{days(5)},\n"
        f"PL-1,agreement,gold,,15,,{days(5)},{days(40)}\n"
    )
    batch = upload(client, text, committed)
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    gold = tier("gold")
    agreement = selectors.price_on(product, PriceLevel.AGREEMENT, days(6), tier=gold)
    assert agreement.amount == Decimal("1275.00")
    assert selectors.floor_on(product, days(6)).amount == Decimal("900.00")


def test_a_file_with_a_bad_row_imports_nothing_and_names_the_row(client, committed):
    product = ProductFactory(sku="PL-2")
    login(client, staff(Role.FINANCE))
    text = HEADER + (
        f"PL-2,guide,,1500,,CNY,{days(5)},\n"  # fine
        f"PL-2,guide,,0,,CNY,{days(9)},\n"  # not positive
        f"PL-2,floor,,800,,CNY,{days(-3)},\n"  # in the past
    )
    batch = upload(client, text, committed)
    assert batch.status == ImportStatus.REJECTED
    assert {(e["row"], e["column"]) for e in batch.errors} == {(3, "price"), (4, "valid_from")}
    assert PriceListEntry.objects.filter(product=product).count() == 2


def test_a_floor_above_the_files_guide_price_rejects_the_file_on_its_row(client, committed):
    # given rows that are each well formed, but together put the floor above the guide price
    product = ProductFactory(sku="PL-3")
    login(client, staff(Role.FINANCE))
    text = HEADER + (f"PL-3,guide,,1500,,CNY,{days(5)},\nPL-3,floor,,2000,,CNY,{days(5)},\n")
    # when it is imported
    batch = upload(client, text, committed)
    # then nothing is stored and the last row of the product carries the message
    assert batch.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "price")]
    assert "above the guide price" in batch.errors[0]["message"]
    assert PriceListEntry.objects.filter(product=product).count() == 2


def test_a_gb18030_file_is_read(client, committed):
    ProductFactory(sku="路由器-1")
    login(client, staff(Role.FINANCE))
    text = HEADER + f"路由器-1,指导价,,1800,,CNY,{days(1)},\n"
    batch = upload(client, text.encode("gb18030"), committed)
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert Product.objects.get(sku="路由器-1").price_entries.filter(price=1800).exists()


def test_an_xlsx_file_is_read(client, committed):
    product = ProductFactory(sku="PL-X")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["PL-X", "floor", None, 500, None, "CNY", days(3), None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    login(client, staff(Role.CHANNEL_DIRECTOR))
    batch = upload(client, buffer.getvalue(), committed, name="prices.xlsx")
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert selectors.floor_on(product, days(3)).amount == Decimal("500.00")


def test_partners_cannot_import_a_price_list(client, partner_user):
    login(client, partner_user)
    response = client.post(
        reverse("core:import_upload", args=["price_list"]),
        {"file": SimpleUploadedFile("p.csv", HEADER.encode())},
    )
    assert response.status_code in (403, 404)


# --- outside a test transaction ----------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_scheduling_commits_the_entry_the_closed_period_and_the_audit_row_together():
    product = ProductFactory()
    schedule(product, level=PriceLevel.GUIDE, price=Decimal("1400"), valid_from=days(1))
    assert len(levels(product)) == 3
    assert AuditEvent.objects.filter(action="price_list.scheduled").count() == 1
    with pytest.raises(ValidationError):
        schedule(product, level=PriceLevel.FLOOR, price=Decimal("5000"), valid_from=days(2))
    assert len(levels(product)) == 3
    assert AuditEvent.objects.filter(action="price_list.scheduled").count() == 1


# --- Django admin -------------------------------------------------------------------------------
def test_the_admin_shows_price_list_entries_read_only(client):
    from tests.factories import UserFactory

    ProductFactory(sku="ADM-1")
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    listing = client.get("/admin/deals/pricelistentry/")
    assert listing.status_code == 200 and "ADM-1" in listing.content.decode()
    assert client.get("/admin/deals/pricelistentry/add/").status_code == 403
    entry = PriceListEntry.objects.filter(product__sku="ADM-1").first()
    response = client.post(f"/admin/deals/pricelistentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert PriceListEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_prices_scheduled_at_once_for_one_day_leave_one_and_a_clear_refusal():
    # given a product and two finance users asking for different guide prices from one day
    import threading

    from django.db import connection as thread_connection

    product = ProductFactory()
    users = [staff(Role.FINANCE), staff(Role.FINANCE)]
    barrier = threading.Barrier(2)
    outcomes: list = []

    def ask(user, price):
        try:
            barrier.wait(timeout=10)
            schedule(product, actor=user, level=PriceLevel.GUIDE, price=price, valid_from=days(3))
            outcomes.append("stored")
        except ValidationError as exc:
            outcomes.append(exc.message_dict)
        finally:
            thread_connection.close()

    # when both submit at the same instant
    threads = [
        threading.Thread(target=ask, args=(user, price))
        for user, price in zip(users, (Decimal("1100"), Decimal("1200")), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then one is stored, the other refused on its date, and the periods never overlap
    assert outcomes.count("stored") == 1
    assert [o for o in outcomes if o != "stored"][0].keys() == {"valid_from"}
    assert [row[2:] for row in levels(product) if row[0] == "guide"] == [
        (PRICE_LIST_START, days(3)),
        (days(3), None),
    ]
