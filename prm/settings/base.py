"""Settings shared by every environment; everything that differs comes from the environment."""

from __future__ import annotations

import importlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "insecure-development-key-change-me-" + "x" * 20)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csp",
    # Project apps: shared infrastructure first, then one app per domain.
    "accounts",
    "core",
    "partners",
    "training",
    "deals",
    "rebates",
    "settlement",
    "inventory",
    "funds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.NulCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ActiveCompanyMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "core.microcache.MicrocacheWriteMiddleware",
    "core.middleware.NulCharacterGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "prm.urls"
WSGI_APPLICATION = "prm.wsgi.application"
ASGI_APPLICATION = "prm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    }
]

# --- Database: PostgreSQL everywhere -------------------------------------------------------
# Each environment decides what a missing DATABASE_URL means: local starts the embedded server,
# production refuses to start, test falls back to the machine's server.
DATABASE_URL = env("DATABASE_URL")


# A streaming replica of it (optional): reports, dashboard figures and export jobs read there
# (core/dbrouter.py); every write and every other read stays on DATABASE_URL.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")


def databases(url: str, replica_url: str | None = None) -> dict:
    """The `DATABASES` setting for one PostgreSQL URL, and its replica's when there is one."""
    result = {"default": dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)}
    if replica_url:
        replica = dj_database_url.parse(replica_url, conn_max_age=60, conn_health_checks=True)
        # A test run reads the test database through this alias too (never creates one there).
        result["replica"] = {**replica, "TEST": {"MIRROR": "default"}}
    return result


DATABASES = databases(DATABASE_URL, DATABASE_REPLICA_URL) if DATABASE_URL else {}
DATABASE_ROUTERS = ["core.dbrouter.ReplicaRouter"]
# The schema's owner, for `manage.py migrate` only (core/management/commands/migrate.py): the
# portal itself runs as the role of DATABASE_URL, which owns nothing (core/dbroles.py).
DATABASE_OWNER_URL = env("DATABASE_OWNER_URL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (API rate limits, dashboard figures, the response cache) ---------------------------
# Nothing a page needs lives only here: sessions are in PostgreSQL (the default engine), and so are
# sign-in lockouts (django-axes' database handler). The API throttles and the response cache fail
# open when the cache is down (core/api/throttling.py, core/microcache.py); short timeouts keep a
# hung Redis from hanging a request.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with one Redis client per pool instead of one per call (core/cache.py).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The hot lists and dashboards answer a user's repeated request from a cache of whole responses
# for this many seconds (core/microcache.py); the user's own changes show at once. 0: off.
PRM_MICROCACHE_SECONDS = float(env("PRM_MICROCACHE_SECONDS", "5"))

# --- Authentication ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The company a partner user belongs to: the infrastructure apps (accounts, core) relate to it
# through this setting, as to AUTH_USER_MODEL, and never name the domain app that owns it.
PRM_PARTNER_MODEL = "partners.Partner"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_404 = True

# Lock an account + address pair out after repeated failures (DESIGN §9 security).
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
FORMAT_MODULE_PATH = ["prm.formats"]  # amounts grouped by thousands in Chinese too
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
# Uploaded and generated files (documents, evidence, PDFs, exports, job results) go through the
# default storage only, never a path: a local folder (MEDIA_ROOT) unless AWS_STORAGE_BUCKET_NAME
# names an S3-compatible bucket (MinIO, AWS S3) that every web host and worker shares (DESIGN §10).
# The bucket is private: no ACL on objects, no public URL; a file is streamed to the browser by the
# scoped view that offers it.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


def s3_storage(
    bucket: str,
    *,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    region_name: str | None = None,
) -> dict:
    """The `STORAGES["default"]` entry for a private S3-compatible bucket. Without keys, boto3
    finds its credentials itself (an instance role); a custom endpoint (MinIO) is addressed by
    path, since its buckets have no DNS names of their own."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "access_key": access_key,
            "secret_key": secret_key,
            "region_name": region_name,
            "addressing_style": "path" if endpoint_url else None,
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            # A file read back (an import, a download) spills to a temporary file beyond this.
            "max_memory_size": FILE_UPLOAD_MAX_MEMORY_SIZE,
        },
    }


AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
STORAGES = {
    "default": (
        s3_storage(
            AWS_STORAGE_BUCKET_NAME,
            endpoint_url=env("AWS_S3_ENDPOINT_URL"),
            access_key=env("AWS_ACCESS_KEY_ID"),
            secret_key=env("AWS_SECRET_ACCESS_KEY"),
            region_name=env("AWS_S3_REGION_NAME"),
        )
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads: hard limits on size, and file types checked by content (core.uploads).
MAX_UPLOAD_SIZE = int(env("MAX_UPLOAD_SIZE", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- E-mail --------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "PRM portal <noreply@prm.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers and content security policy ------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
# No script reads the CSRF cookie: htmx sends the token from the page's meta tag (static/js/app.js).
CSRF_COOKIE_HTTPONLY = True
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.CompanyTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.PortalAnonRateThrottle",
        "core.api.throttling.PortalUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "60/minute"),
        "user": env("API_THROTTLE_USER", "1200/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PRM portal API",
    "DESCRIPTION": "Partner relationship management: partners, deals, leads, rebates, statements, training and funds.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.postprocess_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CurrencyEnum": "core.money.CURRENCY_CHOICES",
        "CreditKindEnum": "partners.choices.CreditKind",
        "StatementStateEnum": "settlement.choices.StatementState",
        "AnomalyStateEnum": "settlement.choices.AnomalyState",
        "AnomalyKindEnum": "settlement.choices.AnomalyKind",
        "OrderStatusEnum": "settlement.choices.OrderStatus",
        "OrderSourceEnum": "settlement.choices.OrderSource",
        "CreditGradeEnum": "partners.choices.CreditGrade",
        "CreditRatingKindEnum": "partners.choices.CreditRatingKind",
        "ExitKindEnum": "partners.choices.ExitKind",
        "NpsWarningLevelEnum": "partners.choices.NpsWarningLevel",
        "LevelEnum": "training.choices.Level",  # its name before NPS warnings had a level too
        "PriceLevelEnum": "deals.choices.PriceLevel",
        "ReportKindEnum": "inventory.choices.ReportKind",
    },
}

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
# Without a broker (the embedded default) tasks run in-process, so `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = 60 * 60 * 24

# --- Jobs: queues, time limits, heartbeats, the reaper (README "What the jobs guarantee") --------
# Two queues by workload (prm/queues.py): `interactive` (e-mail, notifications, the outbox, the
# reaper, small jobs) and `batch` (rebates, reconciliation, statements and PDFs, imports, exports,
# scans, tiers and scorecards), each served by its own workers so one cannot starve the other.
PRM_INTERACTIVE_QUEUE = env("PRM_INTERACTIVE_QUEUE", "interactive")
PRM_BATCH_QUEUE = env("PRM_BATCH_QUEUE", "batch")
CELERY_TASK_ROUTES = ["prm.queues.route_task"]
CELERY_TASK_DEFAULT_QUEUE = PRM_INTERACTIVE_QUEUE
# Limits are the worker's: tasks do not send theirs in the message (prm/celery.py), so the worker's
# settings decide. Each class of task has a hard limit (the process is killed) and a soft one (the
# task gets an exception it turns into a retry or a failure with a reason), both from the
# environment; the soft limit leaves a tenth (at least 1 s) to clean up. Every task's hard limit
# is capped by its queue's: PRM_INTERACTIVE_TIME_LIMIT or PRM_BATCH_TIME_LIMIT.
PRM_INTERACTIVE_TIME_LIMIT = int(env("PRM_INTERACTIVE_TIME_LIMIT", str(5 * 60)))
PRM_BATCH_TIME_LIMIT = int(env("PRM_BATCH_TIME_LIMIT", str(60 * 60)))
PRM_CHUNK_TIME_LIMIT = int(env("PRM_CHUNK_TIME_LIMIT", str(10 * 60)))
PRM_FANOUT_TIME_LIMIT = int(env("PRM_FANOUT_TIME_LIMIT", str(10 * 60)))
PRM_IMPORT_TIME_LIMIT = int(env("PRM_IMPORT_TIME_LIMIT", str(20 * 60)))
PRM_LONG_TIME_LIMIT = int(env("PRM_LONG_TIME_LIMIT", str(30 * 60)))
PRM_TASK_TIME_LIMITS = {
    "rebates.tasks.rebate_calculate_task": PRM_CHUNK_TIME_LIMIT,
    "settlement.tasks.reconciliation_chunk_task": PRM_CHUNK_TIME_LIMIT,
    "settlement.tasks.statement_export_chunk_task": PRM_CHUNK_TIME_LIMIT,
    "rebates.tasks.rebate_calculate_period_task": PRM_FANOUT_TIME_LIMIT,
    "settlement.tasks.reconciliation_run_task": PRM_FANOUT_TIME_LIMIT,
    "settlement.tasks.statement_export_period_task": PRM_FANOUT_TIME_LIMIT,
    "core.tasks.import_batch_run_task": PRM_IMPORT_TIME_LIMIT,
    "core.tasks.job_reap_task": 60,
    "rebates.tasks.rebate_quarter_close_task": PRM_LONG_TIME_LIMIT,
    "settlement.tasks.statement_build_period_task": PRM_LONG_TIME_LIMIT,
}
CELERY_TASK_ANNOTATIONS = ["prm.queues.QueueTimeLimits"]
# A worker beats every PRM_JOB_HEARTBEAT_SECONDS while a job's task runs; a running job or chunk
# silent for PRM_JOB_STALL_SECONDS is dead (worker killed, hard time limit): the reaper
# (core.tasks.job_reap_task, every minute) sends it again, at most PRM_JOB_MAX_ATTEMPTS times,
# then fails the job with the reason. A single-flight lock whose holder is silent that long is
# an orphan: its session is terminated.
PRM_JOB_HEARTBEAT_SECONDS = float(env("PRM_JOB_HEARTBEAT_SECONDS", "10"))
PRM_JOB_STALL_SECONDS = float(env("PRM_JOB_STALL_SECONDS", "60"))
PRM_JOB_MAX_ATTEMPTS = int(env("PRM_JOB_MAX_ATTEMPTS", "3"))
# An unacknowledged message (its worker died) comes back after the visibility timeout: longer than
# the longest task may run (else a live task is delivered twice), and no longer, so a lost message
# comes back within that bound even without the reaper. The longest is a queue's cap (see above).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(
        env(
            "PRM_VISIBILITY_TIMEOUT",
            str(max(PRM_INTERACTIVE_TIME_LIMIT, PRM_BATCH_TIME_LIMIT) + 5 * 60),
        )
    ),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# The schedule lives in code (reviewed): each app lists its periodic tasks in `<app>/schedules.py`
# as a plain `SCHEDULE` dict; django-celery-beat copies them into rows administrators can edit.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
for _app in (
    "core",
    "partners",
    "training",
    "deals",
    "rebates",
    "settlement",
    "inventory",
    "funds",
):
    try:
        CELERY_BEAT_SCHEDULE.update(importlib.import_module(f"{_app}.schedules").SCHEDULE)
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{_app}.schedules":
            raise

# --- Domain settings (defaults; administrators override in the admin) ---------------------
PRM_COMPANY_NAME = env("PRM_COMPANY_NAME", "Acme Networks")
PRM_SITE_URL = env("PRM_SITE_URL", "http://127.0.0.1:8000")
PRM_BASE_CURRENCY = "CNY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}

NAV_TITLE = _("PRM portal")
