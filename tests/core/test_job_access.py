"""A job's result is its owner's and the roles entitled to its content; everyone else gets 404."""

import pytest
from django.core.files.base import ContentFile
from rest_framework.authtoken.models import Token

from accounts.choices import Role
from core.jobs import job_create
from rebates import jobs as rebate_jobs
from settlement import jobs as settlement_jobs
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement_zip(finance_user):
    """Finance's batch export of every partner's statements, finished with its zip."""
    job = job_create(kind=settlement_jobs.STATEMENT_EXPORT, label="Statements", user=finance_user)
    job.result_file.save("statements-2026Q3.zip", ContentFile(b"PK every partner"))
    return job


def _download(client, user, job):
    client.force_login(user)
    return client.get(f"/jobs/{job.pk}/download/")


def test_a_channel_manager_cannot_download_finances_statement_zip(client, statement_zip, manager):
    # when a channel manager asks for finance's zip, its page or its progress
    response = _download(client, manager, statement_zip)
    # then all of it is 404, as for a job that does not exist
    assert response.status_code == 404
    assert client.get(f"/jobs/{statement_zip.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.LEGAL, Role.CHANNEL_DIRECTOR])
def test_other_staff_roles_get_404_on_the_statement_zip(client, statement_zip, role):
    assert _download(client, staff(role), statement_zip).status_code == 404


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CFO, Role.ADMIN])
def test_roles_entitled_to_statements_download_the_zip(client, statement_zip, role):
    response = _download(client, staff(role), statement_zip)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK every partner"


def test_the_owner_downloads_their_own_zip(client, statement_zip, finance_user):
    assert _download(client, finance_user, statement_zip).status_code == 200


def test_a_partner_user_gets_404_on_the_statement_zip(client, statement_zip, partner_user):
    assert _download(client, partner_user, statement_zip).status_code == 404


def test_a_job_of_an_undeclared_kind_is_its_owners_only(client, manager):
    # given a job whose kind declares no roles
    job = job_create(kind="ping", label="Ping", user=manager)
    job.result_file.save("ping.txt", ContentFile(b"pong"))
    # then its owner gets it and another manager does not
    assert _download(client, manager, job).status_code == 200
    assert _download(client, staff(Role.CHANNEL_MANAGER), job).status_code == 404


def test_an_import_job_follows_the_roles_of_its_importer(client, finance_user, manager):
    # given an FX-rate import run by a CFO (the importer is for finance and the CFO)
    job = job_create(kind="import.fx_rates", label="FX rates", user=staff(Role.CFO))
    # then finance sees it and a channel manager does not
    client.force_login(finance_user)
    assert client.get(f"/jobs/{job.pk}/").status_code == 200
    client.force_login(manager)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_the_jobs_page_lists_only_the_jobs_a_user_may_see(client, statement_zip, manager):
    # given finance's zip and the manager's own job
    own = job_create(kind=rebate_jobs.CALCULATE, label="Manager's own", user=manager)
    client.force_login(manager)
    # when the manager opens the jobs page
    listed = {job.pk for job in client.get("/jobs/").context["page"]}
    # then only their own job is listed
    assert listed == {own.pk}


def test_api_jobs_are_scoped_like_the_pages(api_client, statement_zip, manager, finance_user):
    # given the zip and a channel manager with a token
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    # when the manager lists jobs and asks for the zip's job
    listing = api_client.get("/api/v1/jobs/").json()
    detail = api_client.get(f"/api/v1/jobs/{statement_zip.pk}/")
    # then it is neither listed nor reachable, while finance reaches it
    assert statement_zip.pk not in {job["id"] for job in listing["results"]}
    assert detail.status_code == 404
    api_client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=finance_user).key}"
    )
    assert api_client.get(f"/api/v1/jobs/{statement_zip.pk}/").status_code == 200
