"""Pages of inventory's reports (placeholder until built)."""

from django.http import HttpResponse
from django.urls import path

from accounts.choices import PARTNER_ROLES, STAFF_ROLES
from core.permissions import role_required

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES


@role_required(*ALL_ROLES)
def report_list(request):
    return HttpResponse("")


urlpatterns = [path("reports/", report_list, name="report_list")]
