"""Test run: the real PostgreSQL and Redis of the machine (see Makefile), never mocks."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/prm")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Per test process; a worker a test starts is handed its test's folder (PRM_TEST_MEDIA_ROOT).
MEDIA_ROOT = Path(  # noqa: F405
    env("PRM_TEST_MEDIA_ROOT", str(BASE_DIR / ".data" / "test-media" / str(os.getpid())))  # noqa: F405
)
# Tasks run in-process unless a test starts a real worker (tests/core/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = env("CELERY_TASK_ALWAYS_EAGER", "1") == "1"
# A test's own web processes and worker may share one queue of their own for every task, so a
# chord's steps reach that worker only (tests/core/test_object_storage.py).
if env("PRM_TEST_TASK_QUEUE", ""):  # noqa: F405
    PRM_INTERACTIVE_QUEUE = PRM_BATCH_QUEUE = env("PRM_TEST_TASK_QUEUE")  # noqa: F405
    CELERY_TASK_DEFAULT_QUEUE = PRM_INTERACTIVE_QUEUE
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "1000/minute", "user": "10000/minute"}  # noqa: F405
# The response cache is off unless a test turns it on (tests/core/test_microcache.py): most tests
# write rows set-based inside their transaction and read the page again at once.
PRM_MICROCACHE_SECONDS = float(env("PRM_MICROCACHE_SECONDS", "0"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Each pytest-xdist process keeps its cache keys apart (the precomputed dashboard figures, the
# throttles): a test clears only its own process's keys, never another's mid-test. A worker or web
# process a test starts inherits the variable, hence the prefix.
if "CACHES" in globals() and CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = "test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
