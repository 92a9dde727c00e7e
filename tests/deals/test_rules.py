"""Customer name normalization (DESIGN §4.2): a table of names that must and must not match."""

import pytest
from django.db import connection

from deals.rules import is_place_name, normalize_customer_name, normalize_tax_id

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
    # names that are a place plus generic words: kept whole, still matched across spellings
    ("广州国际贸易有限公司", "广州国际贸易有限责任公司"),
    ("广州国际贸易有限公司", "广州国际贸易股份有限公司"),
    ("广州国际贸易有限公司", "广州 国际贸易（有限公司）"),
    ("广州国际贸易有限公司", "广州国际贸易"),
    ("深圳市科技发展有限公司", "深圳市科技发展有限责任公司"),
    ("北京市海淀区科技发展有限公司", "北京市海淀区科技发展有限公司。"),
    ("Beijing Holdings Co., Ltd.", "BEIJING HOLDINGS COMPANY LIMITED"),
    ("ＢＥＩＪＩＮＧ　ＨＯＬＤＩＮＧＳ ＬＩＭＩＴＥＤ", "Beijing Holdings Ltd."),
    ("Shanghai International Corporation", "shanghai international corp"),
    (
        "Guangzhou International Trading Co., Ltd.",
        "Guangzhou International Trading Company Limited",
    ),
    ("Contoso Trading Ltd", "Contoso Tradings Ltd"),
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
    # companies that differ only in generic words are different customers, never "a place"
    ("广州国际贸易有限公司", "广州实业发展有限公司"),
    ("上海科技发展有限公司", "上海国际贸易有限公司"),
    ("深圳市科技有限公司", "深圳市实业有限公司"),
    ("深圳科技有限公司", "深圳技术有限公司"),
    ("北京技术发展有限公司", "北京国际有限公司"),
    ("浙江省实业发展有限公司", "浙江省国际贸易有限公司"),
    ("广东省科技集团有限公司", "广东省贸易集团有限公司"),
    ("重庆市国际贸易有限公司", "重庆市科技有限公司"),
    ("北京市海淀区科技发展有限公司", "北京市海淀区实业有限公司"),
    ("宜宾市科技有限公司", "宜宾市实业发展有限公司"),
    ("Beijing Holdings Limited", "Beijing Group Co., Ltd."),
    ("Shanghai International Corporation", "Shanghai Technology Company Limited"),
    ("Guangzhou International Holdings Ltd", "Guangzhou Technology Group Ltd"),
    ("China International Corporation", "China Technology Group"),
]


PLACES = ["上海", "深圳市", "广州", "广东省", "北京市海淀区", "beijing", "shanghai", "hongkong", ""]


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


@pytest.mark.parametrize("name", sorted({name for pair in MATCH + NO_MATCH for name in pair}))
def test_no_name_is_reduced_to_a_place_or_to_nothing(name):
    # given any customer name of the tables / when fingerprinted
    fingerprint = normalize_customer_name(name)
    # then something more than a place name remains
    assert fingerprint not in PLACES
    assert not is_place_name(fingerprint), fingerprint


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("广州国际贸易有限公司", "广州国际贸易"),
        ("深圳市科技发展有限公司", "深圳市科技发展"),
        ("Beijing Holdings Limited", "beijingholdings"),
        ("上海有限公司", "上海有限公司"),
        ("有限公司", "有限公司"),
        ("上海华东信息科技发展有限公司", "上海华东信息"),
    ],
)
def test_generic_words_go_only_while_something_distinctive_remains(raw, expected):
    assert normalize_customer_name(raw) == expected


@pytest.mark.parametrize(
    "text", ["上海", "深圳市", "广东省深圳市", "北京市海淀区", "宜宾市", "beijing", "shanghaicity"]
)
def test_place_names_are_recognised(text):
    assert is_place_name(text)


@pytest.mark.parametrize("text", ["上海华东", "华联超市", "shanghaielectric", "中国银行"])
def test_names_with_a_distinctive_part_are_not_places(text):
    assert not is_place_name(text)


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
