from django.conf import settings

from .dashboard import navigation_for
from .notifications import unread_count


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"company_name": settings.PRM_COMPANY_NAME}
    return {
        "company_name": settings.PRM_COMPANY_NAME,
        "nav_items": navigation_for(user),
        "unread_notifications": unread_count(user),
    }
