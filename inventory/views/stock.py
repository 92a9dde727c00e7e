"""Pages of inventory stock (DESIGN §11): the staff overview by partner, product, family or
region, the positions (a partner's own inventory), a partner's and a product's page, the alerts
and the alert limits. Every figure comes precomputed (`inventory.selectors`)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.choices import PARTNER_ROLES, STAFF_ROLES, Role
from core.filters import codes_matching
from core.permissions import role_required
from core.views import export_page, listing, settings_form_saved
from deals.models import Product, ProductFamily
from partners.models import Partner
from partners.regions import REGIONS

from .. import selectors
from ..figures import DEFAULT_AGEING_DAYS, DEFAULT_STOCK_OUT_DAYS
from ..lists import ALERT_LIST, POSITION_LIST, STOCK_LIST
from ..models_figures import RollupDimension
from ..services.stock import alert_limit_set, may_set_alert_limits

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES
REGION_NAMES = dict(REGIONS)
# The columns of the positions table on a partner's and on a product's page.
FIGURE_COLUMNS = {"as_of", "on_hand", "sold_90d", "doi", "turnover", "alerts"}
PARTNER_SHOWS = dict.fromkeys(FIGURE_COLUMNS | {"product"}, True)
PRODUCT_SHOWS = dict.fromkeys(FIGURE_COLUMNS | {"partner"}, True)


def _trend_context(points) -> dict:
    return {"trend": points, "chart": selectors.trend_chart(points)}


@role_required(*STAFF_ROLES)
def stock(request):
    """Channel inventory for staff, grouped by partner (default), product, family or region."""
    if export_format := request.GET.get("export"):
        return export_page(request, "inventory-stock", export_format)
    rows = listing(request, STOCK_LIST)
    filterset = rows.filterset
    data = filterset.form.cleaned_data if filterset.is_valid() else {}
    family = data.get("family")
    codes = codes_matching(REGIONS, data.get("region") or "")
    for row in rows.page:
        row.display_name = (
            REGION_NAMES.get(row.label, row.label)
            if row.dimension == RollupDimension.REGION
            else row.label
        )
        if row.region and row.dimension != RollupDimension.REGION:
            row.region_name = REGION_NAMES.get(row.region, row.region)
    points = selectors.stock_trend(
        selectors.total_trend_condition(
            family_id=family.pk if family else None, region=codes[0] if len(codes) == 1 else ""
        )
    )
    return render(
        request,
        "inventory/stock.html",
        {
            "listing": rows,
            "page": rows.page,
            "group": filterset.group_value(),
            "month": selectors.latest_month(),
            "can_set_limits": may_set_alert_limits(request.user),
            **_trend_context(points),
        },
    )


@role_required(*ALL_ROLES)
def positions(request):
    """Partner × product positions: a partner user's own inventory (a distributor's with its
    dealers'), every partner's for staff."""
    if export_format := request.GET.get("export"):
        return export_page(request, "inventory-positions", export_format)
    rows = listing(request, POSITION_LIST)
    user = request.user
    context = {"listing": rows, "page": rows.page, "month": selectors.latest_month()}
    if user.is_partner_user:
        points = selectors.stock_trend(selectors.partners_trend_condition([user.partner_id]))
        context["summary"] = selectors.partner_summary(partner_ids=[user.partner_id])
        context["dealers"] = list(selectors.dealer_rollups_for(partner=user.partner_id))
    else:
        points = selectors.stock_trend(selectors.total_trend_condition())
    context.update(_trend_context(points))
    return render(request, "inventory/stock_positions.html", context)


@role_required(*ALL_ROLES)
def partner_detail(request, pk: int):
    """One partner's inventory: sums, trend, positions, alerts and (a distributor) its dealers."""
    partner = get_object_or_404(Partner.objects.visible_to(request.user), pk=pk)
    points = selectors.stock_trend(selectors.partners_trend_condition([partner.pk]))
    alerts = list(
        selectors.stock_alert_base_for(user=request.user)
        .filter(partner=partner)
        .order_by("-month", "-created_at", "-pk")[:20]
    )
    return render(
        request,
        "inventory/stock_partner.html",
        {
            "partner": partner,
            "summary": selectors.partner_summary(partner_ids=[partner.pk]),
            "positions": selectors.partner_positions_for(user=request.user, partner_id=partner.pk),
            "alerts": alerts,
            "dealers": list(selectors.dealer_rollups_for(partner=partner.pk)),
            "partner_shows": PARTNER_SHOWS,
            "month": selectors.latest_month(),
            **_trend_context(points),
        },
    )


@role_required(*STAFF_ROLES)
def product_detail(request, pk: int):
    """One product across the channel: sums, trend and the partners holding it."""
    product = get_object_or_404(Product.objects.select_related("family"), pk=pk)
    points = selectors.stock_trend(selectors.product_trend_condition(product.pk))
    return render(
        request,
        "inventory/stock_product.html",
        {
            "product": product,
            "summary": points[-1] if points else None,
            "positions": selectors.product_positions_for(user=request.user, product_id=product.pk),
            "product_shows": PRODUCT_SHOWS,
            "month": selectors.latest_month(),
            **_trend_context(points),
        },
    )


@role_required(*ALL_ROLES)
def alert_list(request):
    """Ageing and stock-out alerts (a partner user: its own and its dealers')."""
    if export_format := request.GET.get("export"):
        return export_page(request, "inventory-alerts", export_format)
    rows = listing(request, ALERT_LIST)
    return render(request, "inventory/alert_list.html", {"listing": rows, "page": rows.page})


class AlertLimitForm(forms.Form):
    ageing_days = forms.IntegerField(label=_("Ageing above (days)"), min_value=1, max_value=3650)
    stock_out_days = forms.IntegerField(
        label=_("Stock-out below (days)"), min_value=0, max_value=3650
    )

    def clean(self):
        data = super().clean()
        ageing, stock_out = data.get("ageing_days"), data.get("stock_out_days")
        if ageing is not None and stock_out is not None and stock_out >= ageing:
            self.add_error(
                "stock_out_days", _("The stock-out limit must be below the ageing limit.")
            )
        return data


@role_required(Role.CHANNEL_DIRECTOR)
def alert_limits(request):
    """The days-of-inventory limits of each family (directors and administrators)."""
    if not may_set_alert_limits(request.user):
        raise PermissionDenied
    posted = None
    if request.method == "POST":
        family = get_object_or_404(ProductFamily, pk=request.POST.get("family") or 0)
        form = AlertLimitForm(request.POST, prefix=f"f{family.pk}")
        if settings_form_saved(
            request,
            form,
            lambda actor, values: alert_limit_set(actor=actor, family=family, values=values),
        ):
            return redirect("inventory:alert_limits")
        posted = (family.pk, form)
    rows = []
    for family, limit in selectors.alert_limits():
        if posted and posted[0] == family.pk:
            form = posted[1]
        else:
            form = AlertLimitForm(
                prefix=f"f{family.pk}",
                initial={
                    "ageing_days": limit.ageing_days if limit else DEFAULT_AGEING_DAYS,
                    "stock_out_days": limit.stock_out_days if limit else DEFAULT_STOCK_OUT_DAYS,
                },
            )
        for field in form.fields.values():  # the inputs belong to the row's own form
            field.widget.attrs["form"] = f"limit-form-{family.pk}"
        rows.append((family, limit, form))
    return render(
        request,
        "inventory/alert_limits.html",
        {"rows": rows},
        status=400 if posted else 200,
    )


urlpatterns = [
    path("", stock, name="stock"),
    path("positions/", positions, name="positions"),
    path("partners/<int:pk>/", partner_detail, name="partner_detail"),
    path("products/<int:pk>/", product_detail, name="product_detail"),
    path("alerts/", alert_list, name="alert_list"),
    path("alert-limits/", alert_limits, name="alert_limits"),
]
