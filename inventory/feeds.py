"""What inventory gives the apps below it, through their hooks (registered in `ready()`)."""

from __future__ import annotations


def register() -> None:
    """Register inventory's figures and steps into the lower apps' hooks."""
