"""Settings, read from INTRAMUROS_* environment variables with local-first defaults."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from intramuros.core import paths
from intramuros.core.env import check_unknown, env_bool, env_int, env_list, env_str

check_unknown()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = paths.data_dir()

DEBUG = env_bool("INTRAMUROS_DEBUG", False)
ALLOWED_HOSTS = env_list("INTRAMUROS_ALLOWED_HOSTS", ["*"])

_secret_file = paths.secret_key_file()
# Before `intramuros init` there is no key yet; the server refuses to start without one.
SECRET_KEY = _secret_file.read_text().strip() if _secret_file.exists() else "not-initialised"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "intramuros.core",
    "intramuros.audit",
    "intramuros.accounts",
    "intramuros.patients",
    "intramuros.clinical",
    "intramuros.agenda",
    "intramuros.prescriptions",
    "intramuros.documents",
    "intramuros.billing",
    "intramuros.backup",
    "intramuros.interop",
    "intramuros.messaging",
]

MIDDLEWARE = [
    "intramuros.core.middleware.SecurityHeadersMiddleware",
    "intramuros.audit.context.AuditContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "intramuros.core.lockedstart.LockedStartMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "intramuros.core.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "intramuros.core.csrf.SameOriginCsrfMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "intramuros.core.lockdown.LockdownMiddleware",
    "intramuros.audit.breakglass.BreakGlassMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "intramuros.accounts.middleware.FirstRunMiddleware",
    "intramuros.accounts.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "intramuros.urls"
WSGI_APPLICATION = "intramuros.wsgi.application"

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
                "intramuros.core.context_processors.shell",
                "intramuros.messaging.context_processors.unread",
            ],
        },
    }
]


def _database() -> dict:
    url = env_str("INTRAMUROS_DATABASE_URL")
    if not url:
        return {
            "ENGINE": "intramuros.core.db.sqlcipher",
            "NAME": str(paths.database_file()),
            "OPTIONS": {"key_file": str(paths.db_key_file()), "transaction_mode": "IMMEDIATE"},
            # Connections are kept between requests: opening one costs the key setup and pragmas.
            "CONN_MAX_AGE": 300,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": None},
        }
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"INTRAMUROS_DATABASE_URL must start with postgres://, not {parsed.scheme}://: "
            "leave it unset to use the embedded database."
        )
    return {
        "ENGINE": "intramuros.core.db.postgresql",  # Django's, bulk batches cut to fit (see there)
        "NAME": unquote(parsed.path.lstrip("/")) or "intramuros",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # Values bound by the server, and a statement run five times on a connection prepared there: the
        # pages' repeated queries are then neither parsed nor planned again. Django disables both by default
        # for the sake of connection poolers (PgBouncer), which Intramuros does not put in between.
        "OPTIONS": {"server_side_binding": True, "prepare_threshold": 5},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "intramuros.accounts.backends.PasswordBackend",  # Django's ModelBackend, its user read compiled once
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "intramuros.accounts.validators.StrengthValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock an account, and separately an address, after repeated failures.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = "Intramuros"
REQUIRE_2FA = env_bool("INTRAMUROS_REQUIRE_2FA", False)
LOCAL_NETWORKS = env_list("INTRAMUROS_LOCAL_NETWORKS", ["127.0.0.0/8", "::1/128", "10.0.0.0/8",
                                                       "172.16.0.0/12", "192.168.0.0/16"])

LANGUAGE_CODE = env_str("INTRAMUROS_LANGUAGE", "fr")
if LANGUAGE_CODE not in {"fr", "en"}:
    raise ImproperlyConfigured(f"INTRAMUROS_LANGUAGE={LANGUAGE_CODE!r} is not supported: use fr or en.")
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("INTRAMUROS_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions end after a period of inactivity: an active session is renewed (at most once a minute).
HTTPS = env_bool("INTRAMUROS_HTTPS", True)
SESSION_COOKIE_AGE = 60 * env_int("INTRAMUROS_IDLE_TIMEOUT_MINUTES", 30, minimum=1, maximum=24 * 60)
SESSION_ENGINE = "intramuros.core.sessions"  # Django's database sessions, their read compiled once
SESSION_SAVE_EVERY_REQUEST = False  # renewed at most once a minute by core.middleware.SessionRenewalMiddleware
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Strict"
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Background jobs live in the same (encrypted) database: no broker to run.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SMTP_HOST = env_str("INTRAMUROS_SMTP_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if SMTP_HOST else "django.core.mail.backends.dummy.EmailBackend"
)
EMAIL_HOST = SMTP_HOST
EMAIL_PORT = env_int("INTRAMUROS_SMTP_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("INTRAMUROS_SMTP_USER")
EMAIL_HOST_PASSWORD = env_str("INTRAMUROS_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("INTRAMUROS_SMTP_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("INTRAMUROS_MAIL_FROM", "cabinet@localhost")

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("INTRAMUROS_LOG_LEVEL", "INFO").upper()},
    "loggers": {"axes": {"level": "WARNING"}, "django.server": {"level": "WARNING"},
                "django_tasks_db": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"},
                # Every font cut (WeasyPrint's PDFs, the drawn prescriptions) logs each of its steps at INFO.
                "fontTools": {"level": "WARNING"}},
}
