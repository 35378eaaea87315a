"""A stand-in for a WordPress site with the JWT Authentication for WP REST API plugin and the
"WordPress-Streamlit Integration" recipe's API-key check, on 127.0.0.1, for the tests.

No PHP or WordPress can run here, so this is a fake, kept to what the plugin's source does
(public/class-jwt-auth-public.php) and what the recipe's plugin adds:

- every ``/wp-json/jwt-auth/v1/token*`` request needs ``X-API-KEY: <key>``; without it, or with
  another key, WordPress's ``wp_die('Incorrect API Key')``: HTTP 500 and an HTML page;
- ``POST /wp-json/jwt-auth/v1/token`` takes ``username`` and ``password`` (form or JSON): 200
  ``{token, user_email, user_nicename, user_display_name}``, the token HS256 with ``iss`` (the site
  URL), ``iat``, ``nbf``, ``exp`` (30 minutes, the recipe's ``jwt_auth_expire``) and
  ``data.user.id``; wrong credentials: 403 ``{"code": "[jwt_auth] incorrect_password", ...}``;
- ``POST /wp-json/jwt-auth/v1/token/validate`` with ``Authorization: Bearer <token>``: 200
  ``{"code": "jwt_auth_valid_token", "data": {"status": 200}}`` or 403 ``jwt_auth_invalid_token``
  / ``jwt_auth_no_auth_header`` / ``jwt_auth_bad_iss``.

Test plumbing: ``GET /_test/requests`` lists the requests seen (method, path, whether the API key
was right, whether a Bearer token came); ``POST /_test/rotate-secret`` changes the signing secret
(as changing ``JWT_AUTH_SECRET_KEY`` does: every token issued so far becomes invalid).

    python wordpress_fake.py API_KEY [PORT]   # prints "LISTENING <port>"; exits when stdin closes
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt

USERS = {"alice": {"id": 7, "password": "alice-wordpress-password", "email": "alice@example.com", "nicename": "alice", "display": "Alice Liddell"}}
EXPIRE_SECONDS = 30 * 60


class State:
    def __init__(self, api_key: str):
        self.api_key = api_key
        self.secret = secrets.token_urlsafe(32)
        self.site = ""
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    state: State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any, content_type: str = "application/json; charset=UTF-8") -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"code": code, "message": message, "data": {"status": status}})

    def _fields(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                data = json.loads(raw or b"{}")
            except ValueError:
                return {}
            return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

    def do_GET(self) -> None:
        if self.path == "/_test/requests":
            with self.state.lock:
                self._send(200, list(self.state.requests))
        elif self.path == "/_test/health":
            self._send(200, {"ok": True})
        else:
            self._error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def do_POST(self) -> None:
        state = self.state
        if self.path == "/_test/rotate-secret":
            state.secret = secrets.token_urlsafe(32)
            self._send(200, {"ok": True})
            return
        fields = self._fields()
        key_ok = self.headers.get("X-API-KEY") == state.api_key
        with state.lock:
            state.requests.append({"method": "POST", "path": self.path, "api_key_ok": key_ok, "bearer": (self.headers.get("Authorization") or "").startswith("Bearer ")})
        if self.path.startswith("/wp-json/jwt-auth/v1/token") and not key_ok:
            self._send(500, "<!DOCTYPE html><html><body><div class=\"wp-die-message\">Incorrect API Key</div></body></html>", "text/html; charset=utf-8")
        elif self.path == "/wp-json/jwt-auth/v1/token":
            self._token(fields)
        elif self.path == "/wp-json/jwt-auth/v1/token/validate":
            self._validate()
        else:
            self._error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _token(self, fields: dict[str, str]) -> None:
        username, password = fields.get("username", ""), fields.get("password", "")
        user = USERS.get(username)
        if user is None:
            self._error(403, "[jwt_auth] invalid_username", f"<strong>Error:</strong> The username <strong>{username}</strong> is not registered on this site.")
            return
        if password != user["password"]:
            self._error(403, "[jwt_auth] incorrect_password", f"<strong>Error:</strong> The password you entered for the username <strong>{username}</strong> is incorrect.")
            return
        now = int(time.time())
        claims = {"iss": self.state.site, "iat": now, "nbf": now, "exp": now + EXPIRE_SECONDS, "data": {"user": {"id": user["id"]}}}
        token = jwt.encode(claims, self.state.secret, algorithm="HS256")
        self._send(200, {"token": token, "user_email": user["email"], "user_nicename": user["nicename"], "user_display_name": user["display"]})

    def _validate(self) -> None:
        header = self.headers.get("Authorization")
        if not header:
            self._error(403, "jwt_auth_no_auth_header", "Authorization header not found.")
            return
        if not header.startswith("Bearer ") or not header[7:].strip():
            self._error(403, "jwt_auth_bad_auth_header", "Authorization header malformed.")
            return
        try:
            claims = jwt.decode(header[7:].strip(), self.state.secret, algorithms=["HS256"])
        except jwt.PyJWTError as err:
            self._error(403, "jwt_auth_invalid_token", str(err))
            return
        if claims.get("iss") != self.state.site:
            self._error(403, "jwt_auth_bad_iss", "The iss do not match with this server")
            return
        self._send(200, {"code": "jwt_auth_valid_token", "data": {"status": 200}})


def main() -> None:
    api_key = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    state = State(api_key)
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    state.site = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"LISTENING {server.server_address[1]}", flush=True)
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
