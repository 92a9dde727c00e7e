"""Inventory's write services (each atomic)."""
