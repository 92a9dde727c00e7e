"""API of inventory's stock."""

urlpatterns: list = []
