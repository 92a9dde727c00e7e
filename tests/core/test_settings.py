"""The effective Celery and security configuration, read from the running app."""

import subprocess
import sys
from pathlib import Path

from django.urls import reverse

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


def _run_with_settings(module: str, code: str, **variables: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": module, **variables}
    return subprocess.run(  # noqa: S603 (this interpreter, code written here)
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_production_refuses_to_start_without_a_database_url():
    # Given production variables but no DATABASE_URL
    # When Django loads its settings
    result = _run_with_settings(
        "prm.settings.production",
        "import django; django.setup()",
        SECRET_KEY="k" * 64 + "-production-secret-with-enough-entropy",
        ALLOWED_HOSTS="prm.example.com",
    )
    # Then it stops with a clear message instead of starting a database of its own
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is not set" in result.stderr


def test_local_settings_use_the_given_database_url():
    # Given a developer machine that names its database
    # When the local settings load
    result = _run_with_settings(
        "prm.settings.local",
        "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/prm_given",
    )
    # Then that database is used (the embedded server is only the default without one)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "prm_given"


def test_csrf_cookie_is_http_only(client):
    # Given the login page, which sets the CSRF cookie
    response = client.get(reverse("accounts:login"))
    # Then no script can read the cookie (htmx takes the token from the page's meta tag)
    assert response.cookies["csrftoken"]["httponly"] is True
    assert 'name="csrf-token"' in response.content.decode()


def test_app_schedules_are_merged_into_beat():
    assert "core.purge-read-notifications" in app.conf.beat_schedule


def test_local_settings_without_a_broker_log_no_line_per_task():
    # Given a developer machine with no broker (tasks run in-process, as `make run` does)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.LOGGING['loggers']['celery.app.trace']['level'], "
        "s.LOGGING['loggers']['kombu.connection']['level'])"
    )
    result = _run_with_settings(
        "prm.settings.local", code, DATABASE_URL="postgres://postgres@127.0.0.1:5432/prm_given"
    )
    # Then "Task … succeeded" and the broker's hostname warning stay out of the console
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "WARNING", "ERROR"]


def _process_state(pid: int) -> str | None:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    line = next(x for x in status.read_text().splitlines() if x.startswith("State:"))
    return line.split()[1]


def test_embedded_database_stops_with_the_portal(tmp_path):
    # Given the embedded server `make run` starts (in a folder of its own here)
    from prm.embedded import embedded_stop

    data_dir = tmp_path / "pgdata"
    tmp_path.chmod(0o755)
    code = f"from pathlib import Path; from prm.embedded import embedded_database_url as u; print(u(Path({str(data_dir)!r})))"
    started = subprocess.run(  # noqa: S603 (this interpreter, code written here)
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    assert (data_dir / "postmaster.pid").exists()
    pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    # When `make run` ends (its trap calls `python -m prm.embedded stop`)
    assert embedded_stop(data_dir) is True
    # Then the server is gone, and a second stop is a no-op
    assert not (data_dir / "postmaster.pid").exists()
    assert _process_state(pid) in {None, "Z"}  # gone, or a zombie waiting for its reaper
    assert embedded_stop(data_dir) is False
