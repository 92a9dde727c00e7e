"""docker-compose.yml and the files it mounts (DESIGN §10 "More than one machine"): read as
Compose reads them, since no Docker runs here. Each service it names exists, each dependency is
a service, and the scaled-out shape holds."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from django.conf import settings

ROOT = settings.BASE_DIR


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command(service: dict) -> str:
    value = service.get("command", "")
    return " ".join(value) if isinstance(value, list) else value


def test_every_dependency_is_a_service_and_every_mounted_file_is_in_the_repository(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), (name, source)
            else:
                assert source in compose["volumes"], (name, source)


def test_the_scaled_out_shape(compose):
    services = compose["services"]
    assert {
        "db", "db-replica", "redis", "minio", "minio-init", "migrate", "web", "proxy",
        "worker-interactive", "worker-batch", "beat",
    } <= set(services)  # fmt: skip
    # two web replicas behind the proxy, which alone is published
    assert services["web"]["deploy"]["replicas"] == 2
    assert "ports" not in services["web"]
    assert services["proxy"]["ports"] == ["8000:80"]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "http://web:8000" in nginx and "resolver 127.0.0.11" in nginx
    # one worker per queue, the queues of the settings; beat once
    assert re.search(r"-Q interactive\b", command(services["worker-interactive"]))
    assert re.search(r"-Q batch\b", command(services["worker-batch"]))
    assert settings.PRM_INTERACTIVE_QUEUE == "interactive" and settings.PRM_BATCH_QUEUE == "batch"
    beats = [name for name, s in services.items() if "celery -A prm beat" in command(s)]
    assert beats == ["beat"] and "deploy" not in services["beat"]
    # the replica only in its profile; the primary's replication role on first start
    assert services["db-replica"]["profiles"] == ["replica"]
    assert [n for n, s in services.items() if "profiles" in s] == ["db-replica"]
    assert "pg_basebackup" in command(services["db-replica"])
    # the bucket made once, before the processes that store files start
    assert "mc mb --ignore-existing local/prm" in command(services["minio-init"])
    assert "mc anonymous set none local/prm" in command(services["minio-init"])


@pytest.mark.parametrize("name", ["web", "worker-interactive", "worker-batch", "beat", "migrate"])
def test_the_portals_processes_share_one_environment_with_object_storage(compose, name):
    service = compose["services"][name]
    env = service["environment"]
    assert env["AWS_STORAGE_BUCKET_NAME"] == "prm"
    assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    assert env["DATABASE_URL"].startswith("postgres://prm_app:")
    assert "DATABASE_REPLICA_URL" in env
    if name != "migrate":
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize(
    "script", ["scripts/pg_replica.sh", "deploy/postgres/10-replication.sh", ".ci/run"]
)
def test_the_shell_scripts_parse(script):
    subprocess.run(["bash", "-n", str(ROOT / script)], check=True)  # noqa: S603, S607
