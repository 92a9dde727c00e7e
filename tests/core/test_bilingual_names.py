"""Names staff type in English and Chinese show in the reader's language (DESIGN §8, §9): pages,
API, exports, statement lines and PDF, notifications; forms want at least one of the two."""

from __future__ import annotations

import csv
import importlib
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from core.bilingual import (
    has_cjk,
    localized,
    localized_expression,
    localized_value,
)
from core.notifications import notify
from deals.importers import ProductImporter
from deals.models import Product
from rebates.models import Accrual, Programme
from rebates.services import accruals_calculate, quarter_close
from settlement import services as settlement
from settlement.choices import EntryKind
from settlement.models import SettlementEntry, StatementLine
from settlement.pdf import statement_pdf_render
from tests.deals.factories import ProductFactory
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory, staff, tier
from tests.rebates.factories import PERIOD, line, programme, target
from tests.settlement.factories import approved_statement, queue_entry
from tests.training.factories import CourseFactory, ModuleFactory
from training.models import Course

pytestmark = pytest.mark.django_db

EN, ZH = "Standard quarterly rebate", "标准季度返利"
AFTER_Q3 = "2026-10-05T08:00:00Z"


def pdftotext(pdf: bytes) -> str:
    text = subprocess.run(  # noqa: S603 (poppler's pdftotext on our own PDF)
        [shutil.which("pdftotext"), "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


# -- the mechanism -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "chinese", "language", "shown"),
    [
        ("Gold rebate", "金牌返利", "en", "Gold rebate"),
        ("Gold rebate", "金牌返利", "zh-hans", "金牌返利"),
        ("Gold rebate", "", "zh-hans", "Gold rebate"),  # only one given: everyone reads it
        ("", "金牌返利", "en", "金牌返利"),
        ("  ", "金牌返利", "en", "金牌返利"),
    ],
)
def test_a_name_shows_in_the_readers_language_else_in_the_other(english, chinese, language, shown):
    assert localized(english, chinese, language) == shown
    with translation.override(language):
        assert Programme(name=english, name_zh=chinese).display_name == shown
        assert localized_value({"en": english, "zh": chinese}) == shown


def test_the_sql_choice_matches_display_name():
    programme(name="Silver", name_zh="银牌")
    programme(name="", name_zh="仅中文")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            in_sql = set(
                Programme.objects.annotate(shown=localized_expression("name")).values_list(
                    "shown", flat=True
                )
            )
            assert in_sql == {p.display_name for p in Programme.objects.all()}


def test_cjk_detection():
    assert has_cjk("返利 标准计划")
    assert not has_cjk("Rebate standard programme")


@pytest.mark.parametrize(
    ("app", "model", "field"),
    [
        ("rebates", "Programme", "name"),
        ("deals", "Product", "name"),
        ("deals", "ProductFamily", "name"),
        ("training", "Course", "title"),
        ("training", "Module", "title"),
    ],
)
def test_the_database_refuses_a_row_without_any_name(app, model, field):
    table = apps.get_model(app, model)._meta.db_table
    constraint = {
        "Programme": "programme_name_given",
        "Product": "product_name_given",
        "ProductFamily": "productfamily_name_given",
        "Course": "course_title_given",
        "Module": "module_title_given",
    }[model]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [constraint]
        )
        (definition,) = cursor.fetchone()
    assert f"{field}_zh" in definition, table


def test_the_data_migration_copies_chinese_names_into_the_chinese_field():
    # given names typed before there were two fields: one Chinese, one English
    chinese = programme(name="返利 标准计划")
    english = programme(name="Gold programme")
    Programme.objects.filter(pk=chinese.pk).update(name_zh="")
    # when the migration's data step runs
    migration = importlib.import_module("rebates.migrations.0012_bilingual_names")
    migration.copy_chinese_names(apps, None)
    # then the Chinese one is in the Chinese field as well, the English one stays English only
    chinese.refresh_from_db()
    english.refresh_from_db()
    assert (chinese.name, chinese.name_zh) == ("返利 标准计划", "返利 标准计划")
    assert (english.name, english.name_zh) == ("Gold programme", "")


# -- forms: at least one name, field-level ---------------------------------------------------------


def _programme_post(**names) -> dict:
    return {
        "name": "",
        "name_zh": "",
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
        "brackets-TOTAL_FORMS": "1",
        "brackets-INITIAL_FORMS": "0",
        "brackets-0-lower": "0",
        "brackets-0-upper": "",
        "brackets-0-rate": "0.05",
        **names,
    }


def test_programme_form_without_any_name_answers_on_both_name_fields(client):
    client.force_login(staff(Role.ADMIN))
    response = client.post(reverse("rebates:programme_create"), _programme_post())
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors and "name_zh" in form.errors
    assert not Programme.objects.exists()


@pytest.mark.parametrize(
    "names", [{"name_zh": ZH}, {"name": EN}, {"name": EN, "name_zh": ZH}], ids=["zh", "en", "both"]
)
def test_programme_form_accepts_either_name_or_both(client, names):
    client.force_login(staff(Role.ADMIN))
    response = client.post(reverse("rebates:programme_create"), _programme_post(**names))
    assert response.status_code == 302, response.context["form"].errors
    saved = Programme.objects.get()
    assert (saved.name, saved.name_zh) == (names.get("name", ""), names.get("name_zh", ""))


def test_two_programmes_with_only_chinese_names_do_not_clash_but_equal_names_do(client):
    client.force_login(staff(Role.ADMIN))
    client.post(reverse("rebates:programme_create"), _programme_post(name_zh="金牌返利"))
    client.post(reverse("rebates:programme_create"), _programme_post(name_zh="银牌返利"))
    response = client.post(reverse("rebates:programme_create"), _programme_post(name_zh="金牌返利"))
    assert response.status_code == 200
    assert "name_zh" in response.context["form"].errors
    assert Programme.objects.count() == 2


def test_course_form_without_any_title_is_refused_field_by_field(client):
    client.force_login(staff(Role.ADMIN))
    response = client.post(
        reverse("training:course_create"),
        {"title": "", "title_zh": "", "track": "sales", "level": "junior"},
    )
    assert response.status_code == 200
    assert {"title", "title_zh"} <= set(response.context["form"].errors)
    assert not Course.objects.exists()


def test_course_and_module_forms_accept_a_chinese_title_only(client):
    client.force_login(staff(Role.ADMIN))
    response = client.post(
        reverse("training:course_create"),
        {"title_zh": "路由基础", "track": "sales", "level": "junior", "is_published": "on"},
    )
    assert response.status_code == 302
    course = Course.objects.get()
    response = client.post(
        reverse("training:module_create", args=[course.pk]),
        {"position": "1", "title_zh": "静态路由", "body": "…"},
    )
    assert response.status_code == 302
    assert course.modules.get().title_zh == "静态路由"


def test_product_import_takes_both_names_and_wants_one(tmp_path):
    importer = ProductImporter()
    row = {
        "sku": "SW-1",
        "name": "",
        "name_zh": "园区交换机",
        "family": "switch",
        "list_price": "100",
        "floor_price": "80",
        "currency": "CNY",
        "is_strategic": "",
    }
    parsed = importer.clean_row(importer.parse_row(row))
    assert (parsed["name"], parsed["name_zh"]) == (None, "园区交换机")
    from core.imports import RowError

    with pytest.raises(RowError) as refused:
        importer.clean_row(importer.parse_row(row | {"name_zh": ""}))
    assert refused.value.column == "name"
    importer.save([parsed], batch=None)
    with translation.override("en"):
        assert str(Product.objects.get(sku="SW-1")) == "SW-1 园区交换机"
    # a later file in the old shape (English names only) keeps the Chinese name
    importer.save(
        [importer.clean_row(importer.parse_row(row | {"name": "Campus switch", "name_zh": ""}))],
        None,
    )
    saved = Product.objects.get(sku="SW-1")
    assert (saved.name, saved.name_zh) == ("Campus switch", "园区交换机")


def test_target_import_finds_a_programme_by_either_name():
    from rebates.importers import TargetImporter

    prog = programme(name="", name_zh="金牌返利")
    partner = PartnerFactory(tax_id="TAXBILINGUAL", contract_currency="CNY")
    row = {"programme": "金牌返利", "partner_tax_id": partner.tax_id, "period": "2026Q3"}
    row |= {"amount": "1000", "currency": "CNY"}
    importer = TargetImporter()
    assert importer.clean_row(importer.parse_row(row))["programme_obj"] == prog


def test_a_model_without_any_name_fails_full_clean_on_both_fields():
    with pytest.raises(ValidationError) as refused:
        Programme(name=" ", name_zh="").full_clean()
    assert {"name", "name_zh"} <= set(refused.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(name="", name_zh="")


# -- pages and API in the reader's language --------------------------------------------------------


@pytest.mark.parametrize(("language", "shown", "hidden"), [("en", EN, ZH), ("zh-hans", ZH, EN)])
def test_programme_and_course_pages_show_the_readers_name(client, language, shown, hidden):
    programme(name=EN, name_zh=ZH)
    CourseFactory(title="Routing fundamentals", title_zh="路由基础")
    client.force_login(staff(Role.ADMIN, language=language))
    page = client.get(reverse("rebates:programme_list")).content.decode()
    assert shown in page and hidden not in page
    courses = client.get(reverse("training:course_list")).content.decode()
    assert ("路由基础" in courses) == (language == "zh-hans")
    assert ("Routing fundamentals" in courses) == (language == "en")


def test_programme_list_is_in_the_order_of_the_readers_names():
    from rebates.selectors import programme_list_for

    programme(name="Alpha", name_zh="2 乙计划")
    programme(name="Beta", name_zh="1 甲计划")
    user = staff(Role.ADMIN)
    with translation.override("en"):
        assert [p.name for p in programme_list_for(user=user)] == ["Alpha", "Beta"]
    with translation.override("zh-hans"):
        assert [p.name for p in programme_list_for(user=user)] == ["Beta", "Alpha"]


def test_course_list_search_matches_either_title(client):
    CourseFactory(title="Routing fundamentals", title_zh="路由基础")
    CourseFactory(title="Wireless design", title_zh="无线设计")
    client.force_login(staff(Role.ADMIN))
    page = client.get(reverse("training:course_list"), {"q": "路由"}).content.decode()
    assert "Routing fundamentals" in page and "Wireless design" not in page


@pytest.mark.parametrize(("language", "shown"), [("en", EN), ("zh-hans", ZH)])
def test_api_gives_both_names_and_the_readers_one(api_client, language, shown):
    prog = programme(name=EN, name_zh=ZH)
    course = CourseFactory(title="Routing fundamentals", title_zh="路由基础")
    ModuleFactory(course=course, title="", title_zh="静态路由")
    api_client.force_authenticate(staff(Role.ADMIN))
    body = api_client.get(
        f"/api/v1/rebates/programmes/{prog.pk}/", HTTP_ACCEPT_LANGUAGE=language
    ).json()
    assert (body["name"], body["name_zh"], body["display_name"]) == (EN, ZH, shown)
    detail = api_client.get(
        f"/api/v1/training/courses/{course.pk}/", HTTP_ACCEPT_LANGUAGE=language
    ).json()
    assert detail["title_zh"] == "路由基础"
    assert detail["display_name"] == (
        "路由基础" if language == "zh-hans" else "Routing fundamentals"
    )
    assert detail["modules"][0]["display_name"] == "静态路由"  # the one given, for everyone


@pytest.fixture
def accrued(time_machine):
    """The worked example's partner with an accrual of the bilingual programme, quarter closed."""
    partner = PartnerFactory(tier=tier("gold"))
    prog = programme(name=EN, name_zh=ZH)
    target(prog, partner, 1_000_000)
    line(partner, 1_150_000)
    accruals_calculate(period=PERIOD, partner_range=(0, 2**62))
    time_machine.move_to(AFTER_Q3)
    with translation.override("en"):  # the writer reads English
        quarter_close(period=PERIOD, actor=staff(Role.FINANCE))
    return partner


@pytest.mark.parametrize(("language", "shown"), [("en", EN), ("zh-hans", ZH)])
def test_accrual_api_and_csv_export_name_the_programme_in_the_readers_language(
    api_client, accrued, language, shown
):
    accrual = Accrual.objects.get(partner=accrued)
    api_client.force_authenticate(staff(Role.FINANCE))
    body = api_client.get(
        f"/api/v1/rebates/accruals/{accrual.pk}/", HTTP_ACCEPT_LANGUAGE=language
    ).json()
    assert (body["programme_name"], body["programme_name_zh"]) == (EN, ZH)
    assert body["programme_display_name"] == shown
    from rebates.exports import accrual_rows_for

    with translation.override(language):
        rows = accrual_rows_for(staff(Role.FINANCE), {"period": str(PERIOD)})
        assert [rows.row(a)[3] for a in rows.records] == [shown]


# -- statement lines: rendered when read, stored text kept -----------------------------------------


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("en", f"Rebate {EN}, {PERIOD}", ZH), ("zh-hans", ZH, EN)],
)
def test_statement_line_reads_in_the_readers_language_on_page_api_csv_and_pdf(
    client, api_client, accrued, language, shown, hidden
):
    # given a statement built from the closed quarter (queued while English was active)
    statement = settlement.statement_build(partner=accrued, period=str(PERIOD))
    line = statement.lines.get()
    assert line.description == f"Rebate {EN}, {PERIOD}"  # the stored text, as written
    reader = PartnerUserFactory(partner=accrued, role=Role.PARTNER_FINANCE, language=language)
    finance = staff(Role.FINANCE, language=language)
    # then the page
    client.force_login(finance)
    page = client.get(reverse("settlement:statement_detail", args=[statement.pk])).content.decode()
    assert shown in page and hidden not in page
    # the CSV export
    raw = client.get(reverse("settlement:statement_csv", args=[statement.pk])).content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert shown in rows[1][2] and hidden not in rows[1][2]
    # the API
    api_client.force_authenticate(finance)
    body = api_client.get(
        f"/api/v1/settlement/statements/{statement.pk}/", HTTP_ACCEPT_LANGUAGE=language
    ).json()
    (described,) = [item["description"] for item in body["lines"]]
    assert shown in described and hidden not in described
    # and the PDF, rendered in the reader's language
    text = pdftotext(statement_pdf_render(statement=statement, language=reader.language))
    assert shown in text and hidden not in text


def test_old_lines_without_a_message_show_their_stored_text_in_every_language():
    partner = PartnerFactory()
    queue_entry(partner, "10.00", description="返利 标准计划 (stored)")
    statement = settlement.statement_build(partner=partner, period=str(PERIOD))
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert statement.lines.get().display_description == "返利 标准计划 (stored)"


def test_rendering_never_rewrites_the_stored_financial_rows():
    # given an approved statement whose line carries a message and a programme name pair
    partner = PartnerFactory()
    settlement.settlement_entry_queue(
        partner=partner,
        kind=EntryKind.REBATE_ACCRUAL,
        amount=Decimal("100.00"),
        currency="CNY",
        description_key="rebates.accrual",
        description_params={"programme": {"en": EN, "zh": ZH}, "period": str(PERIOD)},
        source_type="tests.bilingual",
        source_id=1,
        period=str(PERIOD),
    )
    statement = approved_statement(partner, "0")  # its own entry and ours
    before = list(StatementLine.objects.filter(statement=statement).values())
    # when it is read in both languages
    with translation.override("zh-hans"):
        zh = [line.display_description for line in statement.lines.all()]
    with translation.override("en"):
        en = [line.display_description for line in statement.lines.all()]
    # then each reads its own and the rows are as they were
    assert any(ZH in text for text in zh) and any(EN in text for text in en)
    assert list(StatementLine.objects.filter(statement=statement).values()) == before
    entry = SettlementEntry.objects.get(source_type="tests.bilingual")
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementEntry.objects.filter(pk=entry.pk).update(description_key="other")


def test_mdf_reimbursement_line_reads_its_prefix_in_the_readers_language():
    partner = PartnerFactory()
    settlement.settlement_entry_queue(
        partner=partner,
        kind=EntryKind.MDF_REIMBURSEMENT,
        amount=Decimal("100.00"),
        currency="CNY",
        description_key="funds.claim",
        description_params={"title": "Online live stream launch"},
        source_type="tests.bilingual",
        source_id=2,
        period=str(PERIOD),
    )
    statement = settlement.statement_build(partner=partner, period=str(PERIOD))
    with translation.override("en"):
        assert statement.lines.get().display_description == (
            "MDF reimbursement: Online live stream launch"
        )
    with translation.override("zh-hans"):
        zh = statement.lines.get().display_description
    assert "MDF reimbursement" not in zh and "Online live stream launch" in zh


# -- notifications and e-mails -----------------------------------------------------------------


def test_a_course_name_in_a_notification_reads_in_the_readers_language():
    from django.utils.translation import gettext_lazy

    course = CourseFactory(title="Routing fundamentals", title_zh="路由基础")
    reader = UserFactory(language="zh-hans")
    with translation.override("en"):
        (n,) = notify(
            recipients=[reader],
            kind="certification.awarded",
            title=gettext_lazy("You are certified: %(course)s"),
            params={"course": course.name_pair()},
            email=False,
        )
    assert "路由基础" in n.title  # the text kept in the recipient's language
    with translation.override("zh-hans"):
        assert "路由基础" in n.display_title
    with translation.override("en"):
        assert n.display_title == "You are certified: Routing fundamentals"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_statement_published_email_shows_the_payable_formatted(committed, language):
    partner = PartnerFactory()
    reader = PartnerUserFactory(partner=partner, role=Role.PARTNER_FINANCE, language=language)
    statement = approved_statement(partner, "1234567.5")
    with committed():
        settlement.statement_publish(statement=statement, actor=staff(Role.FINANCE))
    (message,) = [m for m in mail.outbox if m.to == [reader.email]]
    assert "CNY 1,234,567.50" in message.body
