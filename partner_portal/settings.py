"""Partner Portal settings.

Everything is driven by environment variables with safe development defaults (the embedded default:
SQLite, an embedded Celery broker and the local HUAWEI CLOUD sandbox). Production differs only by
environment. A bad value stops the process at start with a message naming the variable.
`.env.example` lists every variable.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PARTNER_PORTAL_VAR_DIR", BASE_DIR / "var"))


# --- helpers -------------------------------------------------------------------------------------


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def envurl(name: str, default: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    value = env(name, default)
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, not {value!r}."
        )
    return value.rstrip("/")


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- core ----------------------------------------------------------------------------------------

DEBUG = envbool("DJANGO_DEBUG", True)
# pytest-django imports these settings before any conftest.py runs, so a conftest cannot set the
# variable in time: a process that has loaded pytest is a test run too.
TESTING = envbool("PARTNER_PORTAL_TESTING", "pytest" in sys.modules)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG=false) needs a long random secret: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdefghij"  # noqa: S105

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = envurl("SITE_URL", "http://127.0.0.1:8000")
# The reseller's own name, shown beside the product name in the header, the footer and emails.
PARTNER_NAME = env("PARTNER_NAME", "Demo Cloud Partner")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "partner_portal",
    "customers",
    "orders",
    "billing",
    "tickets",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partner_portal.urls"
WSGI_APPLICATION = "partner_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# --- database ------------------------------------------------------------------------------------


def _database_from_url(url: str) -> dict:
    import dj_database_url

    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with sqlite:/// or postgres://, not {url.split(':', 1)[0]!r}:// "
            "(e.g. postgres://user:password@127.0.0.1:5432/partner_portal)."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60, minimum=0))
    except Exception as exc:  # dj-database-url raises several kinds on a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # Several processes (web, worker, beat) share the file in `make run`: wait for locks.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'partner_portal.sqlite3'}")
DATABASES = {"default": _database_from_url(DATABASE_URL)}
if TESTING and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's in-memory default, so a real Celery worker process started by a test
    # reads the same test database. The pid keeps concurrent test runs apart.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"partner-portal-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- cache, sessions, Redis ----------------------------------------------------------------------

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    envurl("REDIS_URL", REDIS_URL, schemes=("redis", "rediss"))
    _xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "") if TESTING else ""
    if _xdist_worker.startswith("gw") and REDIS_URL.rsplit("/", 1)[-1].isdigit():
        # Test processes of one pytest-xdist run (CI: -n 2) each get their own Redis database, one below
        # the configured one per worker (13, 12, ...): one's cache.clear() must not empty the other's
        # sessions and throttle counts, nor may they share HUAWEI CLOUD rate-limiter slots.
        _base, _db = REDIS_URL.rsplit("/", 1)
        REDIS_URL = f"{_base}/{int(_db) - int(_xdist_worker[2:])}"
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"


# --- authentication ------------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler" if REDIS_URL else "axes.handlers.database.AxesDatabaseHandler"
AXES_IPWARE_PROXY_COUNT = envint("DJANGO_PROXY_COUNT", 0, minimum=0) or None
AXES_VERBOSE = False


# --- internationalisation ------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True


# --- static and uploaded files -------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Private by default: uploads (KYC documents) and generated files (exports, bills) are never under
# a public URL. They are served only by permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
OBJECT_STORAGE_BUCKET = env("OBJECT_STORAGE_BUCKET")
if OBJECT_STORAGE_BUCKET:
    # OBS, or any S3-compatible object storage, through django-storages' S3 backend.
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": OBJECT_STORAGE_BUCKET,
            "endpoint_url": envurl("OBJECT_STORAGE_ENDPOINT", "https://obs.ap-southeast-3.myhuaweicloud.com"),
            "access_key": env("OBJECT_STORAGE_ACCESS_KEY"),
            "secret_key": env("OBJECT_STORAGE_SECRET_KEY"),
            "region_name": env("OBJECT_STORAGE_REGION", "ap-southeast-3"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# WhiteNoise's defaults follow DEBUG, which the test runner turns off: tests (no collectstatic) and
# development find static files in the app folders, production serves the collected STATIC_ROOT.
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024


# --- email ---------------------------------------------------------------------------------------


def _email_from_url(url: str) -> dict:
    """EMAIL_URL: smtp://user:password@host:587?tls=1, console://, file:///path, locmem://."""
    parsed = urlparse(url)
    from urllib.parse import parse_qs, unquote

    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme == "file":
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": parsed.path}
    if parsed.scheme in {"smtp", "smtps"}:
        query = parse_qs(parsed.query)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": parsed.scheme == "smtp" and query.get("tls", ["1"])[0] == "1",
            "EMAIL_TIMEOUT": 10,
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL must start with smtp://, smtps://, console://, file:// or locmem://, not {url!r}."
    )


globals().update(_email_from_url(env("EMAIL_URL", f"file://{VAR_DIR / 'mail'}")))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Partner Portal <no-reply@partner-portal.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


# --- security (production values come with DJANGO_DEBUG=false) -----------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=60)
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True


# --- Celery --------------------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
if not CELERY_BROKER_URL:
    # The embedded default: kombu's filesystem transport needs no server, so `make run` has a real
    # worker and beat on a fresh machine.
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # kombu's default is a folder named "control" in the current directory.
        "control_folder": str(_broker_dir / "control"),
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", TESTING and not env("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "customers-sync": {"task": "customers.tasks.customers_sync", "schedule": crontab(minute="*/15")},
    # Orders mirrored for every bound customer (details only of new or changed orders).
    "orders-sync": {"task": "orders.tasks.orders_sync_all", "schedule": crontab(minute="*/10")},
    # Orders that pass their payment deadline within a day: one reminder per order.
    "orders-expiry-reminders": {"task": "orders.tasks.order_expiry_reminders_send", "schedule": crontab(hour=1, minute=30)},
    # Budgets mirrored 100 customers per call, then budget alerts checked.
    "budgets-refresh": {"task": "customers.tasks.budgets_refresh", "schedule": crontab(minute="7,37")},
    # Real-name applications under review: each is asked about only when its own backoff is due.
    "realname-reviews-check": {"task": "customers.tasks.realname_reviews_check", "schedule": 300.0},
    # Service tickets: new replies and state changes of open tickets; the new-ticket form's catalogue daily.
    "tickets-sync": {"task": "tickets.tasks.tickets_sync", "schedule": 300.0},
    "tickets-catalogue-refresh": {"task": "tickets.tasks.ticket_catalogue_refresh", "schedule": crontab(hour=3, minute=17)},
    # Tickets raised in the HUAWEI CLOUD console or Partner Center, one task per customer and the partner.
    "tickets-discover": {"task": "tickets.tasks.tickets_discover_all", "schedule": crontab(minute="*/30")},
    # Sign-ups whose HUAWEI CLOUD binding was left pending (a crash between the cloud's answer and ours).
    "customers-binding-sweep": {"task": "customers.tasks.customers_binding_sweep", "schedule": 300.0},
    # Customers' resources (yearly/monthly and pay-per-use), one task per customer.
    "resources-sync": {"task": "orders.tasks.resources_sync_all", "schedule": crontab(minute="11,41")},
    # Resources expiring without auto-renewal: emails 30, 7 and 1 days before, each once.
    "resource-expiry-reminders": {
        "task": "orders.tasks.expiry_reminders_check",
        "schedule": crontab(hour=1, minute=17),
    },
    # Finance: the partner bill and the bill file of the cycle that closed (12:00 Beijing on the 5th).
    "billing-partner-bills-sync": {"task": "billing.tasks.partner_bills_sync", "schedule": crontab(minute=17)},
    # Read by /healthz: a stale beat means the worker or beat is down.
    "worker-heartbeat": {"task": "partner_portal.tasks.heartbeat", "schedule": 60.0},
}


# --- HUAWEI CLOUD --------------------------------------------------------------------------------

SANDBOX_URL = envurl("SANDBOX_URL", "http://127.0.0.1:8100")
HUAWEICLOUD = {
    "AK": env("HUAWEICLOUD_AK", "SANDBOXPARTNERAK0001"),
    "SK": env("HUAWEICLOUD_SK", "sandbox-partner-secret-key-0001"),
    "DOMAIN_ID": env("HUAWEICLOUD_DOMAIN_ID", "0a9f8e7d6c5b4a3928170615f4e3d2c1"),
    "DOMAIN_NAME": env("HUAWEICLOUD_DOMAIN_NAME", "demo-partner"),
    "IAM_USER": env("HUAWEICLOUD_IAM_USER", "partner-api"),
    "IAM_PASSWORD": env("HUAWEICLOUD_IAM_PASSWORD", "sandbox-iam-password-0001"),
    "XACCOUNT_TYPE": env("HUAWEICLOUD_XACCOUNT_TYPE", "demo_partner_IDP"),
    "BSS_ENDPOINT": envurl("HUAWEICLOUD_BSS_ENDPOINT", SANDBOX_URL),
    "OSM_ENDPOINT": envurl("HUAWEICLOUD_OSM_ENDPOINT", SANDBOX_URL),
    "IAM_ENDPOINT": envurl("HUAWEICLOUD_IAM_ENDPOINT", SANDBOX_URL),
    "SSO_URL": envurl("HUAWEICLOUD_SSO_URL", f"{SANDBOX_URL}/authui/saml/login"),
    "DOMAIN_AREA": env("HUAWEICLOUD_DOMAIN_AREA", "SG"),
    # The partner's OBS bucket where HUAWEI CLOUD delivers customerBill_YYYYMM.tar.gz (reference 5.15).
    # OBS speaks the S3 protocol; the sandbox serves a stand-in at <sandbox>/obs.
    "OBS_ENDPOINT": envurl("HUAWEICLOUD_OBS_ENDPOINT", f"{SANDBOX_URL}/obs"),
    "OBS_REGION": env("HUAWEICLOUD_OBS_REGION", "ap-southeast-1"),
    "BILL_BUCKET": env("HUAWEICLOUD_BILL_BUCKET", "demo-partner-bills"),
    # Project used to price for signed-out visitors; empty: the partner's own project, read from IAM.
    "RATING_PROJECT_ID": env("HUAWEICLOUD_RATING_PROJECT_ID"),
    "CONNECT_TIMEOUT": envint("HUAWEICLOUD_CONNECT_TIMEOUT", 5, minimum=1),
    "READ_TIMEOUT": envint("HUAWEICLOUD_READ_TIMEOUT", 20, minimum=1),
    # Share of Huawei's documented per-API limit the whole platform may use (reference section 13).
    "RATE_LIMIT_SHARE": Decimal(env("HUAWEICLOUD_RATE_LIMIT_SHARE", "0.8")),
}
if not DEBUG and not TESTING:
    for _name in ("AK", "SK", "DOMAIN_ID"):
        if not env(f"HUAWEICLOUD_{_name}"):
            raise ImproperlyConfigured(
                f"HUAWEICLOUD_{_name} is not set. Production reads the partner's HUAWEI CLOUD "
                "credentials from the environment (see .env.example)."
            )
# The partner's monthly customer bill file (reference 5.15): an OBS bucket read over the S3 API with the
# partner's AK/SK (HUAWEICLOUD_AK / _SK). The gateway (huaweicloud.bills) reads these from HUAWEICLOUD.
BILL_OBS_BUCKET = env("BILL_OBS_BUCKET", "demo-partner-bills")
BILL_OBS_ENDPOINT = envurl("BILL_OBS_ENDPOINT", f"{SANDBOX_URL}/obs")
HUAWEICLOUD.setdefault("OBS_ENDPOINT", BILL_OBS_ENDPOINT)
HUAWEICLOUD.setdefault("BILL_BUCKET", BILL_OBS_BUCKET)
if not (Decimal("0") < HUAWEICLOUD["RATE_LIMIT_SHARE"] <= Decimal("1")):
    raise ImproperlyConfigured("HUAWEICLOUD_RATE_LIMIT_SHARE must be above 0 and at most 1.")
# Real-name authentication by bank card: HUAWEI CLOUD International does not offer it (reference 4.2);
# a site that does can turn it on.
REALNAME_BANK_CARD_ENABLED = envbool("REALNAME_BANK_CARD_ENABLED", False)


def _thresholds(name: str, default: str) -> list[int]:
    try:
        values = sorted({int(item) for item in envlist(name, default)})
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be whole percentages separated by commas, e.g. 80,100.") from None
    if any(value < 1 or value > 1000 for value in values):
        raise ImproperlyConfigured(f"{name}: each threshold must be between 1 and 1000 percent.")
    return values


# Budget alerts: the customer and Operations are emailed once per month when usage crosses each of these.
BUDGET_ALERT_THRESHOLDS = _thresholds("BUDGET_ALERT_THRESHOLDS", "80,100")


# --- SAML single sign-on into the HUAWEI CLOUD console (reference section 6) ----------------------
# Our platform is the identity provider; HUAWEI CLOUD (the sandbox in development) is the service provider.


def _pem(name: str, raw: str, marker: str) -> str:
    """PEM text (\\n escapes allowed, for one-line environment values) or the path of a PEM file."""
    raw = raw.strip()
    if not raw:
        return ""
    if raw.startswith("-----BEGIN"):
        text = raw.replace("\\n", "\n")
    elif Path(raw).is_file():
        text = Path(raw).read_text()
    else:
        raise ImproperlyConfigured(f"{name} must be PEM text or the path of a PEM file; {raw[:40]!r} is neither.")
    if marker not in text:
        raise ImproperlyConfigured(f"{name} does not hold a PEM {marker.lower()}.")
    return text


SAML_IDP_PRIVATE_KEY = _pem("SAML_IDP_PRIVATE_KEY", env("SAML_IDP_PRIVATE_KEY"), "PRIVATE KEY")
SAML_IDP_CERTIFICATE = _pem("SAML_IDP_CERTIFICATE", env("SAML_IDP_CERTIFICATE"), "CERTIFICATE")
if bool(SAML_IDP_PRIVATE_KEY) != bool(SAML_IDP_CERTIFICATE):
    raise ImproperlyConfigured("SAML_IDP_PRIVATE_KEY and SAML_IDP_CERTIFICATE go together: set both or neither.")
# Without them, development and tests generate a key pair once into this folder (never committed);
# production (DJANGO_DEBUG=false) answers "single sign-on is not configured" instead.
SAML_IDP_DEV_KEY_DIR = VAR_DIR / "saml"
SAML_IDP_ENTITY_ID = env("SAML_IDP_ENTITY_ID", f"{SITE_URL}/sso/metadata/")
# HUAWEI CLOUD's service provider, from its SP metadata (the sandbox uses the same entity id).
HUAWEICLOUD_SAML_SP_ENTITY_ID = env("HUAWEICLOUD_SAML_SP_ENTITY_ID", "https://auth.huaweicloud.com/")
# The only assertion consumer service URLs a SAMLResponse is ever posted to.
HUAWEICLOUD_SAML_SP_ACS_URLS = envlist("HUAWEICLOUD_SAML_SP_ACS_URLS", f"{SANDBOX_URL}/authui/saml/acs")
for _url in HUAWEICLOUD_SAML_SP_ACS_URLS:
    envurl("HUAWEICLOUD_SAML_SP_ACS_URLS", _url)


def _console_urls(raw: str) -> dict[str, dict[str, str]]:
    """Where "Buy" and "Manage" land in the console, per service: {"ecs": {"buy": url, "manage": url}, ...}."""
    if not raw.strip():
        return {
            service: {
                "buy": f"{SANDBOX_URL}/console/{service}/buy",
                "manage": f"{SANDBOX_URL}/console/resources?service={service}",
            }
            for service in ("ecs", "evs", "vpc", "eip")
        }
    try:
        urls = json.loads(raw)
    except ValueError:
        raise ImproperlyConfigured(
            'HUAWEICLOUD_CONSOLE_URLS must be JSON: {"ecs": {"buy": url, "manage": url}, ...}.'
        ) from None
    services = {"ecs", "evs", "vpc", "eip"}
    if (
        not isinstance(urls, dict)
        or set(urls) != services
        or any(
            not isinstance(urls[s], dict)
            or set(urls[s]) != {"buy", "manage"}
            or not all(urlparse(u).scheme in {"http", "https"} and urlparse(u).netloc for u in urls[s].values())
            for s in services
        )
    ):
        raise ImproperlyConfigured(
            "HUAWEICLOUD_CONSOLE_URLS must give a buy and a manage http(s) URL for each of ecs, evs, vpc and eip."
        )
    return urls


HUAWEICLOUD_CONSOLE_URLS = _console_urls(env("HUAWEICLOUD_CONSOLE_URLS"))


# --- REST framework ------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # API tokens (Authorization: Bearer ...) for programs; the session, with CSRF, for the site's own scripts.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    # Per API token (per user for the session): API_THROTTLE_RATE requests, e.g. "600/minute".
    "DEFAULT_THROTTLE_RATES": {"api": env("API_THROTTLE_RATE", "600/minute")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Portal API",
    "DESCRIPTION": (
        "The Partner Portal's REST API, version 1: customers, budgets, orders, resources, usage, bills, "
        "Finance's monthly work (partner bills, rating rules, exports), tickets, the audit log and sync status. Send an API token as `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "PaymentStatusEnum": "orders.models.PaymentAttempt.Status",
        "ActionStatusEnum": "orders.models.RenewalAttempt.Status",
        "ResourceStatusEnum": "orders.models.Resource.Status",
        "PayPerUseStatusEnum": "orders.models.OnDemandResource.Status",
        "TicketStatusEnum": "tickets.models.Status",
        "TicketCreationEnum": "tickets.models.Ticket.Creation",
        "SyncRunStatusEnum": "customers.models.SyncRun.Status",
        "AuditOutcomeEnum": "partner_portal.models.AuditEntry.Outcome",
        "IngestRunStatusEnum": "billing.models.IngestRun.Status",
        "CustomerBillStatusEnum": "billing.models.CustomerBill.Status",
        "CustomerBillItemKindEnum": "billing.models.CustomerBillItem.Kind",
        "BillLineKindEnum": "billing.models.LineKind",
        "ChargeModeEnum": "billing.models.ChargeMode",
        "RatingRuleKindEnum": "billing.models.RatingRule.Kind",
        "ExportKindEnum": "billing.models.ExportJob.Kind",
        "ExportStatusEnum": "billing.models.ExportJob.Status",
    },
}


# --- logging -------------------------------------------------------------------------------------

LOG_LEVEL = env("DJANGO_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The SDK logs its own errors with propagate=False and no handler; we log every call ourselves.
        "HuaweiCloud-SDK-BssintlClient": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "HuaweiCloud-SDK-OsmClient": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
