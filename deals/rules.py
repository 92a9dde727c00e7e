"""Pure rules of deal registration: the customer fingerprint (DESIGN §4.2)."""

from __future__ import annotations

import re
import unicodedata

# Legal forms: removed first. Longest first so that "股份有限公司" is removed whole, not as
# "有限公司" leaving "股份".
LEGAL_SUFFIXES_CJK = sorted(
    ["股份有限公司", "有限责任公司", "有限公司", "公司", "分公司", "总公司", "有限"],
    key=len,
    reverse=True,
)
LEGAL_WORDS = {
    "co",
    "company",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "gmbh",
    "corp",
    "corporation",
    "plc",
    "ag",
    "sa",
    "sarl",
    "bv",
    "pte",
    "pty",
    "kg",
}
# Generic words: removed too, but only while something distinctive remains.
GENERIC_SUFFIXES_CJK = sorted(
    [*LEGAL_SUFFIXES_CJK, "集团公司", "集团", "控股", "股份"], key=len, reverse=True
)
GENERIC_CJK = ["科技", "技术", "实业", "发展", "国际", "贸易"]
GENERIC_WORDS = {
    "the",
    "and",
    "of",
    "china",
    "international",
    "technology",
    "technologies",
    "group",
    "holding",
    "holdings",
}

# Places a name must never be reduced to: provinces, municipalities and major cities (with or
# without 省/市) and their English names.
PLACES_CJK = [
    "中国",
    "中华",
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "青岛",
    "厦门",
    "宁波",
    "长沙",
    "郑州",
    "合肥",
    "济南",
    "福州",
    "大连",
    "沈阳",
    "哈尔滨",
    "长春",
    "石家庄",
    "太原",
    "呼和浩特",
    "南宁",
    "海口",
    "贵阳",
    "昆明",
    "拉萨",
    "兰州",
    "西宁",
    "银川",
    "乌鲁木齐",
    "南昌",
    "无锡",
    "佛山",
    "东莞",
    "珠海",
    "温州",
    "常州",
    "烟台",
    "泉州",
]
PLACES_LATIN = [
    "china",
    "prc",
    "beijing",
    "tianjin",
    "shanghai",
    "chongqing",
    "hebei",
    "shanxi",
    "liaoning",
    "jilin",
    "heilongjiang",
    "jiangsu",
    "zhejiang",
    "anhui",
    "fujian",
    "jiangxi",
    "shandong",
    "henan",
    "hubei",
    "hunan",
    "guangdong",
    "hainan",
    "sichuan",
    "guizhou",
    "yunnan",
    "shaanxi",
    "gansu",
    "qinghai",
    "taiwan",
    "innermongolia",
    "guangxi",
    "tibet",
    "ningxia",
    "xinjiang",
    "hongkong",
    "macau",
    "macao",
    "shenzhen",
    "guangzhou",
    "hangzhou",
    "nanjing",
    "suzhou",
    "chengdu",
    "wuhan",
    "xian",
    "qingdao",
    "xiamen",
    "ningbo",
    "changsha",
    "zhengzhou",
    "hefei",
    "jinan",
    "fuzhou",
    "dalian",
    "shenyang",
    "harbin",
    "wuxi",
    "foshan",
    "dongguan",
    "zhuhai",
    "asia",
    "pacific",
    "singapore",
    "tokyo",
    "japan",
    "korea",
    "seoul",
    "london",
    "europe",
    "germany",
    "berlin",
    "paris",
    "america",
    "usa",
    "newyork",
    "city",
    "province",
    "district",
]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# A place: known names (optionally with 省/市), or any two-character city or county (宜宾市),
# then districts and towns within it (海淀区, 浦东新区).
_PLACE = re.compile(
    rf"(?:(?:{_alternation(PLACES_CJK)})(?:省|市|自治区|特别行政区)?"
    r"|[\u4e00-\u9fff]{2}(?:市|县)"
    rf"|{_alternation(PLACES_LATIN)})+"
    r"(?:[\u4e00-\u9fff]{1,4}?(?:区|县|镇))*"
)
# Longer strings are never only a place; the bound also keeps the match cheap.
_PLACE_MAX_LENGTH = 24
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def is_place_name(text: str) -> bool:
    """True when `text` (already normalized) is nothing but place names, e.g. 广东省深圳市."""
    return len(text) <= _PLACE_MAX_LENGTH and _PLACE.fullmatch(text) is not None


def _strip_suffixes(text: str, suffixes: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                changed = True
    return text


def _is_distinctive(text: str) -> bool:
    return bool(text) and not is_place_name(text)


def normalize_customer_name(name: str) -> str:
    """NFKC, case-fold, drop punctuation and whitespace, then legal forms and generic words.

    Generic words (科技, 国际, group, …) go only while something distinctive remains, and legal
    forms only while more than a place remains: a name is never reduced to a place or to nothing,
    since companies that differ only in those words are different customers. Keeps word order so
    that trigram similarity compares like with like.
    """
    text = unicodedata.normalize("NFKC", name or "").casefold()
    words = _WORD.findall(text.replace("&", " and ").replace(".", ""))
    without_legal = _strip_suffixes(
        "".join(w for w in words if w not in LEGAL_WORDS), LEGAL_SUFFIXES_CJK
    )
    without_generic = "".join(w for w in words if w not in LEGAL_WORDS and w not in GENERIC_WORDS)
    for generic in GENERIC_CJK:
        without_generic = without_generic.replace(generic, "")
    without_generic = _strip_suffixes(without_generic, GENERIC_SUFFIXES_CJK)
    for candidate in (without_generic, without_legal):
        if _is_distinctive(candidate):
            return candidate
    return "".join(words)


def normalize_tax_id(tax_id: str) -> str:
    """Tax IDs compare without spaces, dashes or case (e.g. USCC 18 characters)."""
    text = unicodedata.normalize("NFKC", tax_id or "").upper()
    return re.sub(r"[^0-9A-Z]", "", text)
