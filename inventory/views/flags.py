"""Pages of inventory's flags (placeholder until built)."""

from django.http import HttpResponse
from django.urls import path

from accounts.choices import PARTNER_ROLES, STAFF_ROLES
from core.permissions import role_required

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES


@role_required(*ALL_ROLES)
def flag_list(request):
    return HttpResponse("")


urlpatterns = [path("flags/", flag_list, name="flag_list")]
