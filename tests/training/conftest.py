import pytest

from ..factories import tier


@pytest.fixture(autouse=True)
def _default_tiers(db):
    # Transactional tests elsewhere flush the migrated tiers; coverage and demo data need them.
    tier("registered")
