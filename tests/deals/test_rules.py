"""Customer name normalization (DESIGN §4.2): a table of names that must and must not match."""

import pytest
from django.db import connection

from deals.rules import normalize_customer_name, normalize_tax_id

THRESHOLD = 0.8

MATCH = [
    ("上海华东信息科技有限公司", "上海华东信息科技股份有限公司"),
    ("上海华东信息科技有限公司", "上海华东信息科技有限责任公司"),
    ("上海华东信息科技有限公司", "上海华东信息科技"),
    ("深圳市腾达网络集团", "深圳市腾达网络集团有限公司"),
    ("北京智联软件有限公司", "北京 智联 软件 有限公司"),
    ("北京智联软件有限公司", "北京智联软件有限公司。"),
    ("杭州云栖数据有限公司", "杭州云栖数据（有限公司）"),
    ("广州南方电网技术有限公司", "广州南方电网有限公司"),
    ("成都天府通信股份有限公司", "成都天府通信有限公司"),
    ("苏州工业园区纳米科技有限公司", "苏州工业园区纳米科技发展有限公司"),
    ("ＡＢＣ Ｔｒａｄｉｎｇ Co., Ltd.", "ABC Trading Co Ltd"),
    ("Acme Corporation", "ACME Corp."),
    ("Acme Inc.", "acme, inc"),
    ("Siemens GmbH", "SIEMENS"),
    ("Northwind Traders LLC", "Northwind Traders, L.L.C."),
    ("Contoso Limited", "Contoso Ltd."),
    ("The Globex Company", "Globex Co."),
    ("Initech Holdings Ltd", "Initech Holdings Limited"),
    ("Umbrella Pharmaceuticals Inc", "Umbrella Pharmaceutical Inc"),
    ("Wayne Enterprises Corp", "Wayne Enterprises Corporation"),
    ("Stark Industries", "Stark-Industries"),
    ("Tyrell Corporation (China)", "Tyrell Corp"),
    ("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES CO LTD"),
    ("Shanghai Electric Group Company Limited", "Shanghai Electric Group Co., Ltd."),
]

NO_MATCH = [
    ("上海华东信息科技有限公司", "上海华西信息科技有限公司"),
    ("北京智联软件有限公司", "北京联想软件有限公司"),
    ("杭州云栖数据有限公司", "深圳云栖数据有限公司"),
    ("中国银行股份有限公司", "中国建设银行股份有限公司"),
    ("Acme Inc.", "Apex Inc."),
    ("Siemens GmbH", "Siemens Energy GmbH Berlin Branch"),
    ("Northwind Traders LLC", "Southwind Traders LLC"),
    ("Contoso Limited", "Fabrikam Limited"),
    ("Globex Company", "Globe Company"),
    ("Initech Ltd", "Intech Ltd"),
]


def _similarity(a: str, b: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "second"), MATCH)
def test_names_of_the_same_customer_match(first, second):
    # given two spellings of one customer / when fingerprinted
    a, b = normalize_customer_name(first), normalize_customer_name(second)
    # then they are similar enough to conflict
    assert _similarity(a, b) >= THRESHOLD, (a, b)


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "second"), NO_MATCH)
def test_names_of_different_customers_do_not_match(first, second):
    a, b = normalize_customer_name(first), normalize_customer_name(second)
    assert _similarity(a, b) < THRESHOLD, (a, b)


def test_table_has_at_least_thirty_pairs():
    assert len(MATCH) + len(NO_MATCH) >= 30


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("上海华东信息科技股份有限公司", "上海华东信息"),
        ("ＡＢＣ Co., Ltd.", "abc"),
        ("The Acme Corporation", "acme"),
        ("阿里巴巴集团", "阿里巴巴"),
    ],
)
def test_normalization_strips_width_case_punctuation_and_legal_forms(raw, expected):
    assert normalize_customer_name(raw) == expected


def test_tax_ids_compare_without_separators():
    assert normalize_tax_id(" 91310000-ab12 ") == "91310000AB12"
