"""
A minimal Django REST framework + SimpleJWT project for the end-to-end tests, configured as the
README tells people to run SimpleJWT: rotation and the blacklist on. Loopback only, throw-away
SQLite database in SIMPLEJWT_DATA_DIR, a fresh secret per process.

Environment:
  SIMPLEJWT_DATA_DIR        directory for db.sqlite3 (required; the test makes a temporary one)
  SIMPLEJWT_ACCESS_SECONDS  access-token lifetime of /api/ (default 5)
  SIMPLEJWT_DIST_DIR        the built bundle served at /dist/ (default: the repository's dist/)
  SIMPLEJWT_EXTRA_PAGES     one more directory of test pages, served like pages/
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = BASE_DIR.parent.parent
DATA_DIR = Path(os.environ["SIMPLEJWT_DATA_DIR"])
DIST_DIR = Path(os.environ.get("SIMPLEJWT_DIST_DIR") or REPO_ROOT / "dist")
PAGES_DIRS = [BASE_DIR / "pages"] + (
    [Path(os.environ["SIMPLEJWT_EXTRA_PAGES"])] if os.environ.get("SIMPLEJWT_EXTRA_PAGES") else []
)
ACCESS_SECONDS = int(os.environ.get("SIMPLEJWT_ACCESS_SECONDS", "5"))

SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "api",
]

MIDDLEWARE = [
    "api.middleware.count_requests",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        # runserver answers each request in its own thread; refreshes write the blacklist tables.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}

USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=ACCESS_SECONDS),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
