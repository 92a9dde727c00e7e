"""API of inventory's reports."""

urlpatterns: list = []
