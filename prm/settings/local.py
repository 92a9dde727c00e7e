"""Developer machine: `make run`. Embedded PostgreSQL and in-process tasks unless told otherwise."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASE_URL, databases, env_bool

if DATABASE_URL is None:
    from prm.embedded import embedded_app_url, embedded_database_url

    # Migrations run as the embedded server's owner; the portal runs as a role that owns nothing.
    DATABASE_OWNER_URL = embedded_database_url(BASE_DIR / ".data" / "pgdata")
    DATABASE_URL = embedded_app_url(DATABASE_OWNER_URL)
    DATABASES = databases(DATABASE_URL)

DEBUG = env_bool("DEBUG", True)

if CELERY_TASK_ALWAYS_EAGER:  # noqa: F405
    # Tasks run in-process: no line per task, and no broker to warn about.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}  # noqa: F405
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
