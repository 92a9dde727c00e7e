"""Saved views of a list (DESIGN §8.1): saved by name, shown in the list's header, applied and
deleted by their owner alone."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import SavedView
from core.saved_views import saved_view_delete, saved_view_save, saved_view_url, saved_views_for
from tests.conftest import login
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_a_user_sees_only_their_own_views():
    # given two managers who each saved a view of the deal list
    mine, theirs = staff(), staff()
    saved_view_save(user=mine, list_key="deals", name="Shanghai", query="region=上海")
    saved_view_save(user=theirs, list_key="deals", name="Beijing", query="region=beijing")
    # then each sees only their own
    assert [v.name for v in saved_views_for(user=mine, list_key="deals")] == ["Shanghai"]
    assert [v.name for v in saved_views_for(user=theirs, list_key="deals")] == ["Beijing"]


def test_saving_keeps_filters_and_columns_but_not_the_page():
    view = saved_view_save(
        user=staff(),
        list_key="deals",
        name="Conflicts",
        query="status=in_conflict&sort=-created&page=4&after=abc&cols=project&cols=nonsense",
    )
    assert view.query == "status=in_conflict&sort=-created"
    assert view.columns == ["project"]
    assert saved_view_url(view) == "/deals/?status=in_conflict&sort=-created&cols=project"


def test_saving_under_an_existing_name_overwrites_it():
    user = staff()
    saved_view_save(user=user, list_key="deals", name="Mine", query="status=draft")
    saved_view_save(user=user, list_key="deals", name="Mine", query="status=won")
    assert list(SavedView.objects.filter(user=user).values_list("query", flat=True)) == [
        "status=won"
    ]


@pytest.mark.parametrize(
    ("list_key", "name", "field"), [("deals", " ", "name"), ("no-such-list", "x", "list_key")]
)
def test_bad_input_is_refused_by_field(list_key, name, field):
    with pytest.raises(ValidationError) as refused:
        saved_view_save(user=staff(), list_key=list_key, name=name, query="")
    assert field in refused.value.message_dict


def test_another_users_view_cannot_be_deleted():
    owner, other = staff(), staff()
    view = saved_view_save(user=owner, list_key="deals", name="Mine", query="")
    assert saved_view_delete(user=other, pk=view.pk) is False
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert saved_view_delete(user=owner, pk=view.pk) is True


def test_save_apply_and_delete_from_the_list_header(client):
    # given a manager on the deal list filtered by a region
    user = staff()
    login(client, user)
    # when they save the view under a name
    response = client.post(
        reverse("core:saved_view_create", kwargs={"key": "deals"}),
        {"name": "East", "query": "region=上海&sort=customer"},
    )
    # then they are sent to the list with the view applied, and the header offers it
    assert response.status_code == 302
    assert response["Location"].startswith("/deals/?region=")
    page = client.get(response["Location"])
    assert "East" in page.text and 'class="saved-view"' in page.text
    # when they delete it, it is gone from the header
    view = SavedView.objects.get(user=user)
    client.post(reverse("core:saved_view_delete", kwargs={"pk": view.pk}))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_another_users_view_is_a_404(client):
    view = saved_view_save(user=staff(), list_key="deals", name="Mine", query="")
    response = login(client, staff()).post(
        reverse("core:saved_view_delete", kwargs={"pk": view.pk})
    )
    assert response.status_code == 404


def test_saving_without_a_name_says_why(client):
    login(client, staff())
    response = client.post(
        reverse("core:saved_view_create", kwargs={"key": "deals"}),
        {"name": "", "query": "status=draft"},
        follow=True,
    )
    assert "Give the view a name." in response.text
    assert not SavedView.objects.exists()
