"""The notifications inventory sends (declared so the preferences page can list them)."""
