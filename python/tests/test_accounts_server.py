"""Account operations, Python against the reference server itself (server/main.ts, run by Node on
the same database): the same inputs get the same answers (the kit code the widgets show and the
server's reason), and what one side makes (accounts, reset codes, pending registrations) the
other side uses."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SmtpSink, node_tool, reference_server

from streamlit_auth_elements import AccountContext, AccountSettings, AuthError, RegisterRateLimit, UsersDatabase
from streamlit_auth_elements._identity import check_email, check_name, check_username
from streamlit_auth_elements._policy import common_passwords, password_problem
from streamlit_auth_elements._users_database import now_ms, open_store

PASSWORD = "correct horse battery staple"
T0 = 1_700_000_000_000

#: The kit's mapping of the server's errors (src/core/jwt-api.ts ACCOUNT_CODES, accountCode):
#: what a widget shows for the server's answer.
SERVER_CODES = {
    "weak_password": "weak_password",
    "registration_not_allowed": "registration_not_allowed",
    "username_taken": "username_taken",
    "email_taken": "email_taken",
    "invalid_credentials": "invalid_credentials",
    "invalid_token": "reset_token_invalid",
    "invalid_request": "invalid_input",
    "invalid_json": "invalid_input",
}


def kit_code(status: int, body: dict[str, Any]) -> str:
    if status == 429:
        return "rate_limited"
    code = SERVER_CODES.get(body.get("error", ""))
    if code is not None:
        return code
    return "invalid_input" if status in (400, 422) else "request_rejected"


def test_the_common_password_list_is_the_servers() -> None:
    [server] = node_tool({"op": "common_passwords"})
    mine = sorted(common_passwords(), key=lambda p: p.encode("utf-16-be"))
    digest = hashlib.sha256(json.dumps(mine, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
    assert {"size": len(mine), "sha256": digest} == server
    assert len(mine) > 40_000


VALUES = [
    "alice", " Alice ", "ａｌｉｃｅ", "al", "a" * 64, "a" * 65, "bad name", "a@b.c", "dot.dash-under_1", "\x1calice", "alice\x1f",
    "\ufeffalice", "\u00a0alice\u3000", "\u2028alice", "alice\u0085", "Ǆemal", "ﬁsh", "İstanbul",
    "alice@example.com", " Alice@Example.COM ", "Ｖｉｃｔｉｍ＠Ｃｏｒｐ.com", "a@x.com,b@evil.com", "a@b", "a..b@x.com", ".a@x.com",
    "\ufeffbob@example.com", "bob@example.com\u00a0", "bob@exa_mple.com", "bob@-x.com", "x" * 65 + "@x.com", "a@" + "b" * 64 + ".com",
    "x\u202ey", "x\u200by", "  Name With Spaces  ", "N" * 200, "N" * 201,
    "correct horse battery staple", "1qaz2wsx3edc4rfv", "Password12345678", "short", "é" * 15, "e\u0301" * 14, "😀" * 15, "x" * 256, "x" * 257,
    "averylongusername", " AVERYLONGUSERNAME ", "someone.long@example.com",
]


def test_form_checks_and_the_password_policy_agree_with_the_server() -> None:
    """Every check a registration runs, on the same values, in both languages (whitespace trimmed
    as JavaScript trims it: before, Python's strip() took U+001C-U+001F and U+0085 too and left
    U+FEFF, so "\\x1calice" was a valid username here and not on the server)."""
    [server] = node_tool({"op": "checks", "values": VALUES, "min": 15, "username": "averylongusername", "email": "someone.long@example.com"})
    mine = []
    for v in VALUES:
        u, e, n = check_username(v), check_email(v), check_name(v)
        mine.append(
            {
                "value": v,
                "username": {"ok": True, "username": u.value} if u.ok else {"ok": False, "reason": u.reason},
                "email": {"ok": True, "email": e.value} if e.ok else {"ok": False, "reason": e.reason},
                "name": {"ok": True, "name": n.value} if n.ok else {"ok": False, "reason": n.reason},
                "password": password_problem(v, 15, username="averylongusername", email="someone.long@example.com"),
            }
        )
    assert mine == server


REGISTRATIONS: list[tuple[str, dict[str, str]]] = [
    ("short username", {"username": "ab"}),
    ("bad username", {"username": "bad name"}),
    ("control in username", {"username": "\x1cuser"}),
    ("bad email", {"email": "a@x.com,b@evil.com"}),
    ("email without domain dot", {"email": "new@localhost"}),
    ("bad name", {"name": "x\u202ey"}),
    ("short password", {"password": "too short"}),
    ("common password", {"password": "1qaz2wsx3edc4rfv"}),
    ("password is the username", {"username": "averylongusername", "password": "AveryLongUsername"}),
    ("password is the email", {"email": "someone.long@example.com", "password": "someone.long@example.com"}),
    ("taken username", {"username": "ALICE"}),
    ("look-alike username", {"username": "\u0430lice"}),
    ("email of an account", {"email": "Alice@Example.com"}),
    ("domain not allowed", {"email": "new@elsewhere.org"}),
]


def test_registration_answers_are_the_servers_and_accounts_work_on_both_sides(tmp_path: Path) -> None:
    database = str(tmp_path / "auth.db")
    settings = AccountSettings(registration="open", allowed_domains=("example.com",), register_rate_limit=RegisterRateLimit(max=1000))
    users = UsersDatabase(store=open_store(database), settings=settings, env={})
    users.create_user("alice", PASSWORD, email="alice@example.com")
    env = {"AUTH_REGISTRATION": "open", "AUTH_ALLOWED_DOMAINS": "example.com", "AUTH_RATE_REGISTER_MAX": "1000"}
    try:
        with reference_server(database, tmp_path, **env) as server:
            for i, (case, fields) in enumerate(REGISTRATIONS):
                data = {"username": f"newuser{i}", "email": f"new{i}@example.com", "password": PASSWORD, "name": "New", **fields}
                status, body = server.post("/api/auth/register", data)
                with pytest.raises(AuthError) as err:
                    users.register(AccountContext(sessions=users, client="203.0.113.9", now=T0), **data)
                assert status >= 400, case
                assert (err.value.code, err.value.message) == (kit_code(status, body), body["error_description"]), case
                # The machine-readable reason of a refused password (reason, min/max) is the server's too.
                assert (err.value.details or {}) == {k: body[k] for k in ("reason", "min", "max") if k in body}, case
            # A registration on each side; each account signs in on the other side.
            status, body = server.post("/api/auth/register", {"username": "fromserver", "email": "s@example.com", "password": PASSWORD})
            assert status == 201 and body["user"]["username"] == "fromserver"
            done = users.register(AccountContext(sessions=users, client=None, now=T0), username="frompython", email="p@example.com", password=PASSWORD)
            assert done.verification_sent is False
            assert users.check_password("fromserver", PASSWORD, T0) is not None
            status, body = server.post("/api/auth/login", {"username": "frompython", "password": PASSWORD, "refresh_in_body": True})
            assert status == 200 and body["user"]["username"] == "frompython"
            # Taken now on both sides, whichever made it.
            status, body = server.post("/api/auth/register", {"username": "FromPython", "email": "q@example.com", "password": PASSWORD})
            assert (status, body["error"]) == (409, "username_taken")
            with pytest.raises(AuthError) as taken:
                users.register(AccountContext(sessions=users, client=None, now=T0), username="FROMSERVER", email="r@example.com", password=PASSWORD)
            assert taken.value.code == "username_taken"
            # A reset code made here resets the password on the server (single use there too).
            code = users.request_password_reset(AccountContext(sessions=users, client=None, now=now_ms()), login="frompython").code
            assert code is not None
            status, _ = server.post("/api/auth/password/reset", {"token": code, "password": "the server reset this one"})
            assert status == 204
            status, body = server.post("/api/auth/password/reset", {"token": code, "password": "the server reset this one"})
            assert (status, kit_code(status, body)) == (400, "reset_token_invalid")
            assert users.check_password("frompython", "the server reset this one", T0) is not None
    finally:
        users.store.close()


def test_mailed_codes_made_by_one_side_are_used_by_the_other(database: str, tmp_path: Path, smtp_sink: SmtpSink) -> None:
    """With mail (a real SMTP server for both): the server's registration link and reset code
    work here; this package's work on the server."""
    app = "http://localhost:8501/"
    users = UsersDatabase(
        store=open_store(database), settings=AccountSettings(registration="open", app_url=app), mail=smtp_sink.url, env={}
    )
    env = {"AUTH_REGISTRATION": "open", "AUTH_SMTP_URL": smtp_sink.url, "AUTH_APP_URL": app}

    def code_of(mail: dict[str, Any], param: str) -> str:
        raw = mail["raw"].replace("=\r\n", "").replace("=3D", "=")
        return raw.split(f"{param}=")[1][:43]

    try:
        with reference_server(database, tmp_path, **env) as server:
            status, _ = server.post("/api/auth/register", {"username": "viaserver", "email": "vs@example.com", "password": PASSWORD})
            assert status == 202
            ctx = AccountContext(sessions=users, client=None, now=now_ms())
            assert users.register(ctx, username="viapython", email="vp@example.com", password=PASSWORD).verification_sent
            mails = smtp_sink.wait_for(2)
            by_to = {m["to"][0]: m for m in mails}
            now = now_ms()
            here = users.verify_registration(AccountContext(sessions=users, client=None, now=now), token=code_of(by_to["vs@example.com"], "verify_token"))
            assert here.username == "viaserver"
            status, body = server.post("/api/auth/register/verify", {"token": code_of(by_to["vp@example.com"], "verify_token")})
            assert (status, body["user"]["username"]) == (201, "viapython")
            # Reset: the server mails a code, this package uses it; and the reverse.
            status, _ = server.post("/api/auth/password/forgot", {"login": "viapython"})
            assert status == 202
            asked = users.request_password_reset(AccountContext(sessions=users, client=None, now=now), login="viaserver")
            assert asked == ("viaserver", "vs@example.com", None)
            mails = smtp_sink.wait_for(4)
            resets = {m["to"][0]: m for m in mails if m["subject"] == "Reset your password"}
            users.reset_password(AccountContext(sessions=users, client=None, now=now + 1), token=code_of(resets["vp@example.com"], "reset_token"), password="reset by python now")
            status, _ = server.post("/api/auth/password/reset", {"token": code_of(resets["vs@example.com"], "reset_token"), "password": "reset by the server now"})
            assert status == 204
            assert users.check_password("viapython", "reset by python now", now) is not None
            assert users.check_password("viaserver", "reset by the server now", now) is not None
    finally:
        users.store.close()
