"""Pure rules of deal registration: the customer fingerprint (DESIGN §4.2)."""

from __future__ import annotations

import re
import unicodedata

# Longest first so that "股份有限公司" is removed whole, not as "有限公司" leaving "股份".
LEGAL_SUFFIXES_CJK = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "集团公司",
        "集团",
        "公司",
        "分公司",
        "总公司",
        "控股",
        "股份",
        "有限",
    ],
    key=len,
    reverse=True,
)
NOISE_CJK = ["科技", "技术", "实业", "发展", "国际", "贸易"]
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
    "group",
    "holding",
    "holdings",
}
NOISE_WORDS = {"the", "and", "of", "china", "international", "technology", "technologies"}

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalize_customer_name(name: str) -> str:
    """NFKC, case-fold, drop legal-form suffixes and noise words, punctuation and whitespace.

    Keeps word order so that trigram similarity compares like with like.
    """
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = text.replace("&", " and ").replace(".", "")
    words = [w for w in _WORD.findall(text) if w not in LEGAL_WORDS and w not in NOISE_WORDS]
    joined = "".join(words)
    for noise in NOISE_CJK:
        stripped = joined.replace(noise, "")
        if stripped:
            joined = stripped
    changed = True
    while changed:
        changed = False
        for suffix in LEGAL_SUFFIXES_CJK:
            if joined.endswith(suffix) and len(joined) > len(suffix):
                joined = joined[: -len(suffix)]
                changed = True
    return joined or "".join(_WORD.findall(text))


def normalize_tax_id(tax_id: str) -> str:
    """Tax IDs compare without spaces, dashes or case (e.g. USCC 18 characters)."""
    text = unicodedata.normalize("NFKC", tax_id or "").upper()
    return re.sub(r"[^0-9A-Z]", "", text)
