"""Region codes a partner territory is made of (ISO 3166-2 where one exists)."""

from django.utils.translation import gettext_lazy as _

REGIONS: list[tuple[str, str]] = [
    ("CN-BJ", _("Beijing")),
    ("CN-TJ", _("Tianjin")),
    ("CN-HE", _("Hebei")),
    ("CN-SX", _("Shanxi")),
    ("CN-NM", _("Inner Mongolia")),
    ("CN-LN", _("Liaoning")),
    ("CN-JL", _("Jilin")),
    ("CN-HL", _("Heilongjiang")),
    ("CN-SH", _("Shanghai")),
    ("CN-JS", _("Jiangsu")),
    ("CN-ZJ", _("Zhejiang")),
    ("CN-AH", _("Anhui")),
    ("CN-FJ", _("Fujian")),
    ("CN-JX", _("Jiangxi")),
    ("CN-SD", _("Shandong")),
    ("CN-HA", _("Henan")),
    ("CN-HB", _("Hubei")),
    ("CN-HN", _("Hunan")),
    ("CN-GD", _("Guangdong")),
    ("CN-GX", _("Guangxi")),
    ("CN-HI", _("Hainan")),
    ("CN-CQ", _("Chongqing")),
    ("CN-SC", _("Sichuan")),
    ("CN-GZ", _("Guizhou")),
    ("CN-YN", _("Yunnan")),
    ("CN-SN", _("Shaanxi")),
    ("CN-GS", _("Gansu")),
    ("CN-XJ", _("Xinjiang")),
    ("HK", _("Hong Kong")),
    ("SG", _("Singapore")),
    ("JP", _("Japan")),
    ("DE", _("Germany")),
    ("US", _("United States")),
]
REGION_CODES = frozenset(code for code, _label in REGIONS)
REGION_LABELS = dict(REGIONS)


def region_names(codes) -> str:
    """Region codes by their names ("CN-SH" → "Shanghai"), an unknown code as it is."""
    return ", ".join(str(REGION_LABELS.get(code, code)) for code in codes or ())
