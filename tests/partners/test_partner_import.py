"""The partners import (DESIGN §9): companies and their first administrator, all or nothing; the
invitations leave once, and only when the file is imported."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.choices import Role
from accounts.models import User
from core.models import AuditEvent, ImportBatch, ImportStatus, OutboxMessage
from partners.models import Partner
from tests.factories import PartnerFactory, UserFactory
from tests.partners.factories import credit_code

pytestmark = pytest.mark.django_db

HEADER = (
    "legal_name,tax_id,country,partner_type,regions,tier,parent_tax_id,channel_manager_email,"
    "admin_email,admin_name,admin_language\n"
)
DIST = credit_code(501)
DEALER = credit_code(502)
OTHER = credit_code(503)


def good_rows() -> str:
    return (
        f"East Distribution Co.,{DIST},CN,distributor,CN-SH;CN-JS,gold,,cm@vendor.example,"
        "boss@east.example,Wang Fang,\n"
        f"上海网联科技有限公司,{DEALER},CN,reseller,CN-SH,silver,{DIST},,"
        "admin@wanglian.example,李伟,zh-hans\n"
        "Berlin Systems GmbH,DE123456789,DE,isv,DE,,,,it@berlin.example,Jan Meyer,\n"
    )


def upload(client, user, content: bytes, committed, name="partners.csv") -> ImportBatch:
    client.force_login(user)
    with committed():
        client.post(
            reverse("core:import_upload", args=["partners"]),
            {"file": SimpleUploadedFile(name, content)},
        )
    return ImportBatch.objects.latest("pk")


@pytest.fixture
def channel_manager(db):
    return UserFactory(email="cm@vendor.example", role=Role.CHANNEL_MANAGER)


def _state() -> tuple:
    return (
        sorted(Partner.objects.values_list("tax_id", flat=True)),
        sorted(User.objects.values_list("email", flat=True)),
        AuditEvent.objects.exclude(action__startswith="import").count(),
        OutboxMessage.objects.filter(task="core.tasks.notification_email_task").count(),
    )


def test_a_good_file_creates_partners_and_invites_each_admin_once(
    client, admin_user, channel_manager, committed
):
    batch = upload(client, admin_user, (HEADER + good_rows()).encode(), committed)

    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert batch.imported_count == 3
    east = Partner.objects.get(tax_id=DIST)
    dealer = Partner.objects.get(tax_id=DEALER)
    berlin = Partner.objects.get(tax_id="DE123456789")
    assert (east.tier.code, east.regions, east.channel_manager) == (
        "gold",
        ["CN-JS", "CN-SH"],
        channel_manager,
    )
    assert (dealer.parent, dealer.tier.code, dealer.legal_name) == (
        east,
        "silver",
        "上海网联科技有限公司",
    )
    assert (berlin.country, berlin.tier.code, berlin.contract_currency) == (
        "DE",
        "registered",
        "EUR",
    )
    admin = User.objects.get(email="admin@wanglian.example")
    assert (admin.partner, admin.role, admin.language, admin.has_usable_password()) == (
        dealer,
        Role.PARTNER_ADMIN,
        "zh-hans",
        False,
    )
    assert User.objects.get(email="boss@east.example").language == "zh-hans"
    assert User.objects.get(email="it@berlin.example").language == "en"
    # one invitation per administrator, each sent once
    assert sorted(m.to[0] for m in mail.outbox) == [
        "admin@wanglian.example",
        "boss@east.example",
        "it@berlin.example",
    ]
    assert "/reset/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="partner.created").count() == 3
    assert AuditEvent.objects.filter(action="partner_user.invited").count() == 3
    # a run delivered again finds the outcome and sends nothing more
    from core.imports import import_batch_run

    with committed():
        import_batch_run(batch.pk)
    assert len(mail.outbox) == 3
    assert Partner.objects.filter(tax_id__in=[DIST, DEALER, "DE123456789"]).count() == 3


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        (f"Bad Co.,{OTHER},CN,reseller,CN-SH,platinum,,,x@bad.example,X,", "tier", "not a tier"),
        (f"Bad Co.,{OTHER},CN,reseller,CN-XX,,,,x@bad.example,X,", "regions", "Unknown region"),
        (
            f"Bad Co.,{OTHER},CN,shop,CN-SH,,,,x@bad.example,X,",
            "partner_type",
            "not a partner type",
        ),
        (
            "Bad Co.,91310000MA00005019,CN,reseller,CN-SH,,,,x@bad.example,X,",
            "tax_id",
            "unified social credit code",
        ),
        (
            f"Bad Co.,{OTHER},CN,reseller,CN-SH,,{credit_code(999)},,x@bad.example,X,",
            "parent_tax_id",
            "No partner has this tax ID",
        ),
        (
            f"Bad Co.,{OTHER},CN,reseller,CN-SH,,{DEALER},,x@bad.example,X,",
            "parent_tax_id",
            "must be a distributor",
        ),
        (
            f"Bad Co.,{OTHER},CN,reseller,CN-SH,,,nobody@vendor.example,x@bad.example,X,",
            "channel_manager_email",
            "No active channel manager",
        ),
        (f"Bad Co.,{OTHER},CN,reseller,CN-SH,,,,not-an-email,X,", "admin_email", "not an e-mail"),
        (
            f"Bad Co.,{OTHER},CN,reseller,CN-SH,,,,x@bad.example,X,klingon",
            "admin_language",
            "not a language",
        ),
        (f"{'B' * 201},{OTHER},CN,reseller,CN-SH,,,,x@bad.example,X,", "legal_name", "At most 200"),
        (f"Bad Co.,{OTHER},CN,reseller,CN-SH,,,,x@bad.example,,", "admin_name", "required"),
        (
            f"Bad Co.,{OTHER},CN,reseller,CN-SH,,,,boss@east.example,X,",
            "admin_email",
            "Row 2 has the same e-mail",
        ),
        (
            f"Bad Co.,{DIST},CN,reseller,CN-SH,,,,x@bad.example,X,",
            "tax_id",
            "same tax_id with other values",
        ),
        (
            f"Bad Co.,{credit_code(777)},CN,reseller,CN-SH,,,,x@bad.example,X,",
            "tax_id",
            "already exists",
        ),
        (
            f"Bad Co.,{OTHER},CN,reseller,CN-SH,,,,taken@example.com,X,",
            "admin_email",
            "already exists",
        ),
    ],
)
def test_one_bad_row_leaves_the_database_unchanged_and_sends_nothing(
    client, admin_user, channel_manager, committed, bad_row, column, message
):
    PartnerFactory(tax_id=credit_code(777))
    UserFactory(email="taken@example.com")
    before = _state()
    batch = upload(client, admin_user, (HEADER + good_rows() + bad_row + "\n").encode(), committed)

    assert batch.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in batch.errors] == [(5, column)], batch.errors
    assert message in batch.errors[0]["message"]
    assert _state() == before
    assert mail.outbox == []


def test_registered_tax_ids_and_e_mails_compare_without_case(client, admin_user, committed):
    PartnerFactory(tax_id="de999888777", country="DE")
    UserFactory(email="Known@Example.com")
    text = (
        HEADER
        + "Berlin Systems GmbH,DE999888777,DE,isv,DE,,,,fresh@berlin.example,Jan,\n"
        + f"Other Co.,{OTHER},CN,reseller,CN-SH,,,,known@example.com,X,\n"
    )
    batch = upload(client, admin_user, text.encode(), committed)
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "tax_id"), (3, "admin_email")]


def test_an_existing_distributor_can_be_the_parent(client, admin_user, committed):
    parent = PartnerFactory(tax_id=credit_code(600), partner_type="distributor")
    text = HEADER + f"Dealer Co.,{OTHER},,reseller,CN-BJ,,{parent.tax_id},,d@dealer.example,D,\n"
    batch = upload(client, admin_user, text.encode(), committed)
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert Partner.objects.get(tax_id=OTHER).parent == parent


def test_only_two_levels(client, admin_user, committed):
    top = PartnerFactory(tax_id=credit_code(601), partner_type="distributor")
    text = (
        HEADER
        + f"Middle Co.,{DIST},,distributor,CN-BJ,,{top.tax_id},,m@middle.example,M,\n"
        + f"Bottom Co.,{DEALER},,reseller,CN-BJ,,{DIST},,b@bottom.example,B,\n"
    )
    batch = upload(client, admin_user, text.encode(), committed)
    assert batch.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (2, "parent_tax_id"),
        (3, "parent_tax_id"),
    ]
    assert "dealers of its own" in batch.errors[0]["message"]
    assert "already has a parent" in batch.errors[1]["message"]
    assert not Partner.objects.filter(tax_id__in=[DIST, DEALER]).exists()


def test_gb18030_file_is_read(client, admin_user, channel_manager, committed):
    batch = upload(client, admin_user, (HEADER + good_rows()).encode("gb18030"), committed)
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert User.objects.get(email="admin@wanglian.example").full_name == "李伟"
    assert Partner.objects.get(tax_id=DEALER).legal_name == "上海网联科技有限公司"
    assert len(mail.outbox) == 3


def test_xlsx_file_is_read(client, admin_user, committed):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["legal_name", "tax_id", "partner_type", "regions", "admin_email", "admin_name"])
    sheet.append(
        [
            "杭州云峰信息技术有限公司",
            OTHER,
            "service_provider",
            "CN-ZJ, CN-SH",
            "a@yf.example",
            "周杰",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload(client, admin_user, buffer.getvalue(), committed, name="partners.xlsx")
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    partner = Partner.objects.get(tax_id=OTHER)
    assert (partner.regions, partner.partner_type) == (["CN-SH", "CN-ZJ"], "service_provider")
    assert [m.to for m in mail.outbox] == [["a@yf.example"]]


def test_the_import_is_for_administrators_only(client, manager, finance_user):
    for user in (manager, finance_user):
        client.force_login(user)
        assert client.get(reverse("core:import_upload", args=["partners"])).status_code == 404


def test_the_upload_page_describes_the_columns(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("core:import_upload", args=["partners"])).content.decode()
    assert "parent_tax_id" in page and "admin_email" in page


def test_api_import(api_client, admin_user, manager, committed):
    api_client.force_authenticate(manager)
    upload_ = SimpleUploadedFile("p.csv", (HEADER + good_rows()).encode())
    response = api_client.post(
        "/api/v1/imports/", {"kind": "partners", "file": upload_}, format="multipart"
    )
    assert response.status_code == 400
    api_client.force_authenticate(admin_user)
    text = HEADER + f"API Co.,{OTHER},,reseller,CN-BJ,,,,api@api.example,A,\n"
    with committed():
        response = api_client.post(
            "/api/v1/imports/",
            {"kind": "partners", "file": SimpleUploadedFile("p.csv", text.encode())},
            format="multipart",
        )
    assert response.status_code in (201, 202), response.content
    assert ImportBatch.objects.get(kind="partners").status == ImportStatus.IMPORTED
    assert Partner.objects.filter(tax_id=OTHER).exists()


def test_a_file_over_the_row_limit_is_refused_whole(client, admin_user, committed):
    rows = "".join(f"Co {n},X{n:07d},DE,isv,DE,,,,a{n}@x.example,A,\n" for n in range(5_001))
    batch = upload(client, admin_user, (HEADER + rows).encode(), committed)
    assert batch.status == ImportStatus.REJECTED
    assert "more than 5,000 data rows" in batch.errors[0]["message"]
    assert not Partner.objects.filter(tax_id__startswith="X").exists()
    assert mail.outbox == []


def test_another_encoding_is_refused_with_a_message(client, admin_user, committed):
    # a valid first row, then a byte neither UTF-8 nor GB18030 can read
    text = HEADER + "Berlin Systems GmbH,DE1,DE,isv,DE,,,,sg@x.example,Jan,\n"
    batch = upload(client, admin_user, text.encode() + b"x" * 3000 + b"\xff\xff\n", committed)
    assert batch.status == ImportStatus.REJECTED
    assert "GB18030" in batch.errors[0]["message"]
    assert not Partner.objects.filter(tax_id="DE1").exists()
    assert mail.outbox == []
