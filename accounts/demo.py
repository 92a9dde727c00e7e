"""Demo users: one per vendor role. Partner users are created with their companies (partners.demo)."""

from .choices import Role
from .models import User

DEMO_PASSWORD = "prm-demo-2026"  # noqa: S105 - published demo credential

STAFF = [
    ("admin@prm.demo", "Ada Admin", Role.ADMIN, "en"),
    ("manager@prm.demo", "Wang Lei", Role.CHANNEL_MANAGER, "zh-hans"),
    ("manager2@prm.demo", "Maria Keller", Role.CHANNEL_MANAGER, "en"),
    ("director@prm.demo", "Chen Jing", Role.CHANNEL_DIRECTOR, "zh-hans"),
    ("legal@prm.demo", "Liam Legal", Role.LEGAL, "en"),
    ("finance@prm.demo", "Zhao Min", Role.FINANCE, "zh-hans"),
    ("finance2@prm.demo", "Fiona Finance", Role.FINANCE, "en"),
    ("finance3@prm.demo", "Sun Hao", Role.FINANCE, "en"),
    ("cfo@prm.demo", "Claire CFO", Role.CFO, "en"),
]


def demo_user(email: str, full_name: str, role: str, *, partner=None, language: str = "en") -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"full_name": full_name, "role": role, "partner": partner, "language": language},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed(*, stdout=None) -> None:
    for email, name, role, language in STAFF:
        demo_user(email, name, role, language=language)


def demo_logins() -> list[tuple[str, str]]:
    logins = [(str(Role(role).label), email) for email, _name, role, _lang in STAFF]
    partner_users = User.objects.filter(
        email__regex=r"^(admin|finance|sales)@[a-z]+\.demo$", partner__isnull=False
    ).select_related("partner")
    for user in partner_users.order_by("partner__legal_name", "role")[:12]:
        company = user.partner.legal_name[:18].strip()
        logins.append((f"{user.get_role_display()} ({company})", user.email))
    return logins
