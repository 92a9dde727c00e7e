import pytest

from ..factories import tier


@pytest.fixture(autouse=True)
def _default_tiers(db):
    # Transactional tests elsewhere flush the migrated tiers; activation needs "registered".
    tier("registered")
