"""The JWT APIs the JWT API backend is tested against, each a real server on 127.0.0.1, stopped at
the end of the test module (or when this process dies):

- the reference server (server/main.ts, by Node) on a SQLite file, logins with ``refresh_in_body``;
- Django REST framework SimpleJWT (test/simplejwt, the e2e tests' server, from its own virtual
  environment ``.venv/`` made by ``scripts/setup.sh --python``), rotation and blacklist on;
- a WordPress stand-in (wordpress_fake.py: no PHP or WordPress can run here) that requires the
  recipe's ``X-API-KEY`` header.

Import the fixtures into a test module: ``from jwt_servers import reference_api, ...``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import REPO, TESTS, _free_port, _stop, _watchdog, listening_process, reference_server

from streamlit_auth_elements import UsersDatabase

PASSWORD = "correct horse battery staple"
SIMPLEJWT_USER = ("alice", "alice-simplejwt-password")
WORDPRESS_USER = ("alice", "alice-wordpress-password")
WORDPRESS_KEY = "wp-key-5b1f0c9e-do-not-leak-7a2d"


@dataclass
class ReferenceApi:
    origin: str
    database: Path

    def user(self, username: str) -> str:
        """A new account on the server's database (the reference server reads it live)."""
        UsersDatabase(self.database).create_user(username, PASSWORD, name=username.title() + " Example", email=f"{username}@example.com", roles=["member"])
        return username

    def options(self, **more: Any) -> dict[str, Any]:
        """JwtApiBackend's options for the reference server (the refresh token in the body)."""
        return {
            "refresh_url": f"{self.origin}/api/auth/refresh",
            "logout_url": f"{self.origin}/api/auth/logout",
            "extra_body": {"refresh_in_body": True},
            **more,
        }

    @property
    def login_url(self) -> str:
        return f"{self.origin}/api/auth/login"

    def session(self, access: str) -> int:
        """The status of GET /api/auth/session with this access token (200: the session is live)."""
        return requests.get(f"{self.origin}/api/auth/session", headers={"Authorization": f"Bearer {access}"}, timeout=30).status_code


@pytest.fixture(scope="module")
def reference_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferenceApi]:
    tmp = tmp_path_factory.mktemp("reference")
    database = tmp / "auth.db"
    UsersDatabase(database)  # the schema, before the server opens the file
    with reference_server(str(database), tmp) as server:
        yield ReferenceApi(origin=server.origin, database=database)


@dataclass
class SimpleJwtApi:
    origin: str

    def options(self, **more: Any) -> dict[str, Any]:
        return {
            "refresh_url": f"{self.origin}/api/token/refresh/",
            "logout_url": f"{self.origin}/api/token/blacklist/",
            **more,
        }

    @property
    def login_url(self) -> str:
        return f"{self.origin}/api/token/"

    def refresh(self, token: str) -> requests.Response:
        """What SimpleJWT itself says of a refresh token now."""
        return requests.post(f"{self.origin}/api/token/refresh/", json={"refresh": token}, timeout=30)

    def requests_seen(self) -> dict[str, int]:
        return dict(requests.get(f"{self.origin}/_test/requests/", timeout=30).json())


@pytest.fixture(scope="module")
def simplejwt_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleJwtApi]:
    python = Path(os.environ.get("SIMPLEJWT_PYTHON") or REPO / ".venv/bin/python")
    if not python.exists():
        raise RuntimeError(f"{python} is missing: run `bash scripts/setup.sh --python` (npm test does it) first")
    tmp = tmp_path_factory.mktemp("simplejwt")
    port = _free_port()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "SIMPLEJWT_DATA_DIR": str(tmp), "SIMPLEJWT_ACCESS_SECONDS": "300"}
    log = tmp / "django.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(python), "manage.py", "serve_e2e", str(port)],
            cwd=REPO / "test/simplejwt",
            env=env,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    watchdog = _watchdog(proc.pid)
    origin = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{origin}/_test/health/", proc, log)
        yield SimpleJwtApi(origin=origin)
    finally:
        with contextlib.suppress(OSError):
            assert proc.stdin is not None
            proc.stdin.close()  # the server exits when its standard input closes
        _stop(proc, watchdog)


@dataclass
class WordPressApi:
    origin: str

    @property
    def token_url(self) -> str:
        return f"{self.origin}/wp-json/jwt-auth/v1/token"

    @property
    def validate_url(self) -> str:
        return f"{self.origin}/wp-json/jwt-auth/v1/token/validate"

    def seen(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.origin}/_test/requests", timeout=30).json())

    def rotate_secret(self) -> None:
        requests.post(f"{self.origin}/_test/rotate-secret", timeout=30).raise_for_status()


@contextlib.contextmanager
def wordpress_server(api_key: str = WORDPRESS_KEY) -> Iterator[WordPressApi]:
    # The stand-in exits when its standard input closes.
    with listening_process([sys.executable, str(TESTS / "wordpress_fake.py"), api_key], "the WordPress stand-in", stdin=subprocess.PIPE) as port:
        yield WordPressApi(origin=f"http://127.0.0.1:{port}")


@pytest.fixture
def wordpress_api() -> Iterator[WordPressApi]:
    with wordpress_server() as api:
        yield api


def _wait_for(url: str, proc: subprocess.Popen[Any], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start in {timeout:g} s:\n{log.read_text()}") from None
            time.sleep(0.1)


def decode(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified (for assertions)."""
    import base64

    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
