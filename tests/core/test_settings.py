"""The effective Celery and security configuration, read from the running app."""

import subprocess
import sys

from prm.celery import app


def test_celery_defaults_are_safe_for_redelivery():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.result_serializer == "json"
    assert conf.task_time_limit == 30 * 60
    assert conf.task_soft_time_limit == 25 * 60
    assert conf.worker_prefetch_multiplier == 1
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert conf.broker_url.startswith("redis://")


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "prm.settings.production",
        "SECRET_KEY": "k" * 64 + "-production-secret-with-enough-entropy",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prm",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "ALLOWED_HOSTS": "prm.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_app_schedules_are_merged_into_beat():
    assert "core.purge-read-notifications" in app.conf.beat_schedule
