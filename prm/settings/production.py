"""Production: everything from the environment; `manage.py check --deploy` is clean."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL, env, env_bool

# Never fall back to a database of our own: a missing URL is a deployment error, not a new
# empty database that would quietly take the writes.
if DATABASE_URL is None:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: production needs the URL of its PostgreSQL database "
        "(postgres://user:password@host:5432/name)."
    )

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # required: no default in production
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
