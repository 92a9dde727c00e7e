import pytest

from funds.defaults import ensure_default_matrix
from funds.models import ApprovalRule

from ..factories import tier


@pytest.fixture(autouse=True)
def _default_matrix_and_tiers(db):
    # Transactional tests elsewhere flush the migrated approval matrix and tiers; put them back.
    ensure_default_matrix(ApprovalRule)
    tier("registered")
