"""Products and price-list imports: validated row by row, all or nothing."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.models import ImportBatch, ImportStatus
from deals.models import Product, ProductTierDiscount
from tests.factories import tier

from .factories import ProductFactory

pytestmark = pytest.mark.django_db


def upload(client, kind, text, committed, name="file.csv"):
    with committed():
        client.post(
            reverse("core:import_upload", args=[kind]),
            {
                "file": SimpleUploadedFile(
                    name, text if isinstance(text, bytes) else text.encode(), "text/csv"
                )
            },
        )
    return ImportBatch.objects.latest("pk")


def test_products_are_created_and_updated_by_sku(client, finance_user, committed):
    ProductFactory(sku="SW-1", list_price=Decimal("10"), floor_price=Decimal("5"))
    client.force_login(finance_user)
    text = (
        "sku,name,family,list_price,floor_price,currency,is_strategic\n"
        "SW-1,Switch 48p,switch,1200.00,800.00,CNY,yes\n"
        "RT-9,Router,router,5000,3500,CNY,\n"
    )
    batch = upload(client, "products", text, committed)
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert Product.objects.get(sku="SW-1").list_price == Decimal("1200.00")
    assert Product.objects.get(sku="SW-1").is_strategic
    assert Product.objects.get(sku="RT-9").family.code == "router"


def test_floor_above_list_rejects_the_file(client, finance_user, committed):
    client.force_login(finance_user)
    text = "sku,name,family,list_price,floor_price,currency\nA,A,f,100,50,CNY\nB,B,f,100,150,CNY\n"
    batch = upload(client, "products", text, committed)
    assert batch.status == ImportStatus.REJECTED
    assert {(e["row"], e["column"]) for e in batch.errors} == {(3, "floor_price")}
    assert not Product.objects.exists()


def test_price_list_sets_tier_discounts_from_xlsx(client, finance_user, committed):
    ProductFactory(sku="SW-1")
    gold = tier("gold")
    wb = Workbook()
    ws = wb.active
    ws.append(["sku", "tier", "discount_percent"])
    ws.append(["SW-1", "gold", 12.5])
    ws.append(["SW-1", "silver", 8])
    buffer = io.BytesIO()
    wb.save(buffer)
    client.force_login(finance_user)
    batch = upload(client, "price_list", buffer.getvalue(), committed, name="prices.xlsx")
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    assert ProductTierDiscount.objects.get(tier=gold).discount_percent == Decimal("12.50")


def test_price_list_unknown_sku_and_tier_rejected(client, finance_user, committed):
    client.force_login(finance_user)
    batch = upload(
        client, "price_list", "sku,tier,discount_percent\nNOPE,platinum,120\n", committed
    )
    assert batch.status == ImportStatus.REJECTED
    assert not ProductTierDiscount.objects.exists()


def test_partner_cannot_import_products(client, partner_user):
    client.force_login(partner_user)
    response = client.post(
        reverse("core:import_upload", args=["products"]),
        {"file": SimpleUploadedFile("p.csv", b"sku\n", "text/csv")},
    )
    assert response.status_code in (403, 404)
