"""The link from a deal to its MDF activity moved from a deals column to `funds.ActivityDeal`: the
migration copies every existing link and going back restores the column."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, PartnerUserFactory

from .factories import allocation, submit

BEFORE = [("deals", "0008_won_line_view"), ("funds", "0003_settlement_state_choices")]
AFTER = [("deals", "0009_fund_request_link_moves_to_funds"), ("funds", "0004_activity_deal")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_links_are_copied_to_funds():
    # given two deals, one of them referencing an activity, made before the move
    partner = PartnerFactory()
    allocation(partner, "10000.00")
    request = submit(partner, PartnerUserFactory(partner=partner), "1000.00")
    linked, plain = DealFactory(partner=partner), DealFactory(partner=partner)
    try:
        apps = _migrate(BEFORE)
        apps.get_model("deals", "Deal").objects.filter(pk=linked.pk).update(
            fund_request_id=request.pk
        )
        # when the schema moves on
        apps = _migrate(AFTER)
        links = apps.get_model("funds", "ActivityDeal").objects.values_list(
            "deal_id", "fund_request_id"
        )
        # then the link is in funds, and only that one
        assert list(links) == [(linked.pk, request.pk)]
        # and going back puts it on the deal again
        apps = _migrate(BEFORE)
        Deal = apps.get_model("deals", "Deal")
        assert Deal.objects.get(pk=linked.pk).fund_request_id == request.pk
        assert Deal.objects.get(pk=plain.pk).fund_request_id is None
    finally:
        _latest()
