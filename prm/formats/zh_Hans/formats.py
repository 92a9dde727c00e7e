"""Django's Simplified Chinese formats, with amounts grouped by thousands as Chinese financial
documents write them (1,234,567.00) instead of Django's ungrouped default."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
