"""Pages of inventory's stock (placeholder until built)."""

from django.http import HttpResponse
from django.urls import path

from accounts.choices import PARTNER_ROLES, STAFF_ROLES
from core.permissions import role_required

ALL_ROLES = STAFF_ROLES | PARTNER_ROLES


@role_required(*STAFF_ROLES)
def stock(request):
    return HttpResponse("")


urlpatterns = [path("", stock, name="stock")]
