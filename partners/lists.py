"""The partner directory and the relationship lists (DESIGN §8.1): base selector, FilterSet and columns, one definition for
the page, the API and exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.lists import Column, ListDefinition, list_register

from .filtersets import (
    AgreementFilterSet,
    ApplicationQueueFilterSet,
    BusinessReportFilterSet,
    CreditApplicationFilterSet,
    PartnerFilterSet,
    PartnerVisitFilterSet,
    TierProposalQueueFilterSet,
)
from .selectors import (
    agreement_list_for,
    application_list_for,
    business_report_list_for,
    credit_application_list_for,
    partner_list_base_for,
    tier_proposal_list_for,
    visit_list_for,
)

PARTNER_LIST = list_register(
    ListDefinition(
        key="partners",
        url_name="partners:partner_list",
        base=partner_list_base_for,
        filterset=PartnerFilterSet,
        columns=(
            Column("name", _("Name"), sort="name"),
            Column("type", _("Type"), sort="type"),
            Column("tier", _("Tier")),
            Column("class", _("Class")),
            Column("regions", _("Regions")),
            Column("parent", _("Parent")),
            Column("manager", _("Channel manager")),
            Column("status", _("Status"), sort="status"),
            Column("created", _("created"), sort="created", default=False),
        ),
    )
)

AGREEMENT_LIST = list_register(
    ListDefinition(
        key="agreements",
        url_name="partners:agreement_list",
        base=agreement_list_for,
        filterset=AgreementFilterSet,
        columns=(
            Column("agreement", _("Agreement"), sort="number"),
            Column("partner", _("Partner"), sort="partner", staff_only=True),
            Column("title", _("Title")),
            Column("start", _("Start"), sort="start"),
            Column("end", _("End"), sort="end"),
            Column("status", _("Status"), sort="status"),
        ),
    )
)

CREDIT_APPLICATION_LIST = list_register(
    ListDefinition(
        key="credit-applications",
        url_name="partners:credit_list",
        base=credit_application_list_for,
        filterset=CreditApplicationFilterSet,
        columns=(
            Column("requested", _("Requested on"), sort="requested"),
            Column("partner", _("Partner"), sort="partner", staff_only=True),
            Column("kind", _("Kind"), sort="kind"),
            Column("amount", _("Amount"), sort="amount", num=True),
            Column("project", _("Project")),
            Column("status", _("Status"), sort="status"),
        ),
    )
)

BUSINESS_REPORT_LIST = list_register(
    ListDefinition(
        key="business-reports",
        url_name="partners:report_list",
        base=business_report_list_for,
        filterset=BusinessReportFilterSet,
        columns=(
            Column("month", _("Month"), sort="month"),
            Column("partner", _("Partner"), sort="partner", staff_only=True),
            Column("submitted_by", _("Submitted by")),
            Column("status", _("Status"), sort="status"),
        ),
    )
)

VISIT_LIST = list_register(
    ListDefinition(
        key="visits",
        url_name="partners:visit_list",
        base=visit_list_for,
        filterset=PartnerVisitFilterSet,
        columns=(
            Column("planned", _("Planned for"), sort="planned"),
            Column("partner", _("Partner"), sort="partner"),
            Column("kind", _("Kind"), sort="kind"),
            Column("manager", _("Channel manager")),
            Column("visited", _("Visited on")),
            Column("status", _("Status"), sort="status"),
        ),
    )
)

APPLICATION_LIST = list_register(
    ListDefinition(
        key="applications",
        url_name="partners:application_list",
        base=application_list_for,
        filterset=ApplicationQueueFilterSet,
        columns=(
            Column("company", _("Company"), sort="company"),
            Column("tax_id", _("Tax ID")),
            Column("type", _("Type")),
            Column("regions", _("Regions")),
            Column("referred_by", _("Referred by")),
            Column("status", _("Status"), sort="status"),
            Column("submitted", _("Submitted"), sort="submitted"),
        ),
    )
)

TIER_PROPOSAL_LIST = list_register(
    ListDefinition(
        key="tier-proposals",
        url_name="partners:tier_proposals",
        base=tier_proposal_list_for,
        filterset=TierProposalQueueFilterSet,
        columns=(
            Column("partner", _("Partner"), sort="partner"),
            Column("quarter", _("Quarter"), sort="quarter"),
            Column("change", _("Change")),
            Column("revenue", _("Revenue (4 quarters)"), sort="revenue", num=True),
            Column("certified", _("Certified staff"), num=True),
            Column("senior", _("Senior"), num=True),
            Column("nps", _("NPS"), num=True),
            Column("violations", _("Open violations"), num=True),
            Column("decision", _("Decision")),
        ),
    )
)
