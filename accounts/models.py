"""Users log in by e-mail; a partner user belongs to exactly one partner company."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import CHANNEL_ROLES, FINANCE_ROLES, PARTNER_ROLES, STAFF_ROLES, Role

PARTNER_ROLE_VALUES = sorted(role.value for role in PARTNER_ROLES)  # sorted: stable migrations


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(role=Role.ADMIN, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Staff roles have no partner; partner roles must have one (database-enforced)."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    partner = models.ForeignKey(
        settings.PRM_PARTNER_MODEL,
        verbose_name=_("partner company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        # The global search (DESIGN §8.1) finds people by name or e-mail among 50,000 users.
        indexes = [
            GinIndex(fields=["full_name"], name="user_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["email"], name="user_email_trgm", opclasses=["gin_trgm_ops"]),
            # The staff of a role in name order (the partner directory's channel manager filter,
            # on every page): not a scan of every partner user (DESIGN §10).
            models.Index(fields=["role", "full_name", "email"], name="user_role_name"),
        ]
        constraints = [
            models.CheckConstraint(
                name="user_partner_matches_role",
                condition=(
                    Q(role__in=PARTNER_ROLE_VALUES, partner__isnull=False)
                    | (~Q(role__in=PARTNER_ROLE_VALUES) & Q(partner__isnull=True))
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # Vendor staff reach the Django admin; partner users never do.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES

    @property
    def is_vendor_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_partner_user(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_channel_staff(self) -> bool:
        return self.role in CHANNEL_ROLES

    @property
    def is_finance_staff(self) -> bool:
        return self.role in FINANCE_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or self.role in roles

    # Administrators hold every model permission (Django admin included).
    def has_perm(self, perm: str, obj=None) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)
