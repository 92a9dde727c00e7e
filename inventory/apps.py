from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Channel inventory")

    def ready(self) -> None:
        # Lower apps (partners' scorecards, settlement's statements) learn from here what inventory
        # owns; they never import inventory.
        from .feeds import register

        register()
