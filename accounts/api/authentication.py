from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ..middleware import user_company_active


class CompanyTokenAuthentication(TokenAuthentication):
    """Token authentication that stops working the moment the user's company is frozen."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if user.is_partner_user and not user_company_active(user):
            raise exceptions.AuthenticationFailed(
                _("Your company's access to the portal is suspended.")
            )
        return user, token
