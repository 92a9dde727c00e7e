"""API of inventory's flags."""

urlpatterns: list = []
