"""Settings of the sandbox's own Django project (not the platform's `partner_portal.settings`).

Environment:
* SANDBOX_DATABASE_URL: the sandbox's database, default SQLite `var/sandbox.sqlite3` under the repo root.
* SANDBOX_MODE: `local` (default; the unsigned control API under /_sandbox/ is on) or `strict`
  (control API answers 404, like the real cloud).
* SANDBOX_VISIBILITY_DELAY: seconds before a newly created customer shows in list_sub_customers (default 0).
* SANDBOX_OBS_ROOT: the folder standing in for OBS buckets (default `sandbox-obs/` beside the SQLite database).
* SANDBOX_IDP_METADATA_URL, SANDBOX_SAML_SP_ENTITY_ID, SANDBOX_PARTNER_SITE_URL: the console's single sign-on
  (sandbox/README.md, "Console and SSO").
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

REPO_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_DIR / "var"

DEBUG = False
# Never used for anything secret: the sandbox has no sessions, cookies or signed values.
SECRET_KEY = "sandbox-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
# The signature covers the Host header as received, so every host name is accepted.
ALLOWED_HOSTS = ["*"]

SANDBOX_MODE = os.environ.get("SANDBOX_MODE", "local").strip().lower() or "local"
if SANDBOX_MODE not in {"local", "strict"}:
    raise ImproperlyConfigured(f"SANDBOX_MODE must be local or strict, not {SANDBOX_MODE!r}.")

try:
    SANDBOX_VISIBILITY_DELAY = float(os.environ.get("SANDBOX_VISIBILITY_DELAY", "0") or 0)
except ValueError:
    raise ImproperlyConfigured("SANDBOX_VISIBILITY_DELAY must be a number of seconds.") from None

# Allowed distance between X-Sdk-Date and the sandbox's clock (Huawei's own window is not published).
SANDBOX_SIGNATURE_MAX_SKEW = 15 * 60

INSTALLED_APPS = [
    "sandbox.apps.SandboxConfig",
    "sandbox.commerce.apps.CommerceConfig",
    "sandbox.console.apps.ConsoleConfig",
    "sandbox.tickets.apps.TicketsConfig",
    # Last: its clock listener closes bill cycles after the others have renewed and converted resources.
    "sandbox.bills.apps.BillsConfig",
]
MIDDLEWARE = ["sandbox.middleware.RequestIdMiddleware"]
ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"
APPEND_SLASH = False
# Only the console's pages (sandbox/console/templates/); the APIs answer JSON.
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

# The console's single sign-on (sandbox/console/, README "Console and SSO").
# Metadata of the demo partner's identity provider until one is set through POST /_sandbox/sso/idp.
SANDBOX_IDP_METADATA_URL = os.environ.get("SANDBOX_IDP_METADATA_URL", "http://127.0.0.1:8000/sso/metadata/")
SANDBOX_IDP_METADATA_CACHE_SECONDS = 300
SANDBOX_SAML_SP_ENTITY_ID = os.environ.get("SANDBOX_SAML_SP_ENTITY_ID", "https://auth.huaweicloud.com/")
# The partner's site, linked from the console ("pay it on your partner's site").
SANDBOX_PARTNER_SITE_URL = os.environ.get("SANDBOX_PARTNER_SITE_URL", "http://127.0.0.1:8000/")


def _database_from_url(url: str) -> dict:
    import dj_database_url

    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"SANDBOX_DATABASE_URL must start with sqlite:/// or postgres://, not {url!r}.")
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # waitress serves from several threads: wait for the write lock instead of failing.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    return config


SANDBOX_DATABASE_URL = os.environ.get("SANDBOX_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'sandbox.sqlite3'}"
DATABASES = {"default": _database_from_url(SANDBOX_DATABASE_URL)}

# The local folder standing in for OBS: one sub-folder per bucket (bills: `<partner domain>-bills`).
# Default: `sandbox-obs/` beside the SQLite database (var/sandbox-obs/ for the default database), so a
# sandbox with its own database (tests) has its own buckets too.
if os.environ.get("SANDBOX_OBS_ROOT"):
    SANDBOX_OBS_ROOT = Path(os.environ["SANDBOX_OBS_ROOT"]).resolve()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASES["default"]["NAME"] != ":memory:":
    SANDBOX_OBS_ROOT = Path(DATABASES["default"]["NAME"]).resolve().parent / "sandbox-obs"
else:
    SANDBOX_OBS_ROOT = VAR_DIR / "sandbox-obs"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SANDBOX_LOG_LEVEL", "WARNING").upper()},
    "loggers": {"django.request": {"level": "ERROR"}},
}
