"""How the audit log names the deal and lead actions and links to their pages
(`core.audit_display`)."""

from django.utils.translation import gettext_lazy as _

from core.audit_display import audit_actions_register, audit_link_register

audit_link_register("deals.deal", "deals:detail")
audit_link_register("deals.lead", "deals:lead_detail")

audit_actions_register(
    {
        "deal.created": _("Deal created"),
        "deal.updated": _("Deal updated"),
        "deal.submitted": _("Deal submitted"),
        "deal.approved": _("Deal approved"),
        "deal.rejected": _("Deal rejected"),
        "deal.escalated": _("Deal escalated"),
        "deal.expired": _("Deal expired"),
        "deal.won": _("Deal won"),
        "deal.lost": _("Deal lost"),
        "deal.extension_requested": _("Deal extension requested"),
        "deal.extension_granted": _("Deal extension granted"),
        "deal.extension_refused": _("Deal extension refused"),
        "deal.viewed": _("Deal viewed"),
        "deal.listed": _("Deals listed"),
        "deal.exported": _("Deals exported"),
        "lead.published": _("Lead published"),
        "lead.accepted": _("Lead accepted"),
        "lead.declined": _("Lead declined"),
        "lead.withdrawn": _("Lead withdrawn"),
        "lead.opened": _("Lead opened"),
        "lead.viewed": _("Lead viewed"),
        "lead.listed": _("Leads listed"),
        "lead.exported": _("Leads exported"),
        "price_list.scheduled": _("Price scheduled"),
    }
)
