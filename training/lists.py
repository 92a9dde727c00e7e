"""The course and certification lists (DESIGN §8.1): base selector, FilterSet and columns, one
definition for the page, the API and exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

from .filtersets import CertificationFilterSet, CourseFilterSet, CoverageFilterSet
from .selectors import certification_list_base_for, course_list_base_for, coverage_report

COURSE_LIST = list_register(
    ListDefinition(
        key="courses",
        url_name="training:course_list",
        base=course_list_base_for,
        filterset=CourseFilterSet,
        columns=(
            Column("course", _("Course"), sort="course"),
            Column("track", _("Track"), sort="track"),
            Column("level", _("Level"), sort="level"),
            Column("modules", _("Modules"), num=True),
            Column("progress", _("My progress"), num=True),
        ),
    )
)

CERTIFICATION_LIST = list_register(
    ListDefinition(
        key="certifications",
        url_name="training:certification_list",
        base=certification_list_base_for,
        filterset=CertificationFilterSet,
        columns=(
            Column("holder", _("Holder"), sort="holder"),
            Column("company", _("Company"), sort="company"),
            Column("track", _("Track"), sort="track"),
            Column("level", _("Level"), sort="level"),
            Column("expires", _("Expires"), sort="expires"),
            Column("status", _("Status")),
        ),
    )
)


COVERAGE_LIST = list_register(
    ListDefinition(
        key="coverage",
        url_name="training:coverage_report",
        base=coverage_report,
        filterset=CoverageFilterSet,
        columns=(
            Column("partner", _("Partner"), sort="partner"),
            Column("tier", _("Tier"), sort="tier"),
            Column("certified", _("Certified / current tier"), sort="certified", num=True),
            Column("senior", _("Senior / current tier"), sort="senior", num=True),
            Column("next_tier", _("Next tier")),
            Column("next_certified", _("Certified / next tier"), num=True),
            Column("next_senior", _("Senior / next tier"), num=True),
            Column("expiring", _("Expiring within 60 days"), sort="expiring", num=True),
        ),
    )
)
