"""Strict validation of what the iframe sends (python/PROTOCOL.md)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from streamlit_auth_elements._protocol import parse_request, request_problem, render_args

ID = "AbCdEfGhIjKlMnOpQrStUv"


def req(op: str = "login", data: Any = None, **top: Any) -> dict[str, Any]:
    value = {"v": 1, "id": ID, "op": op, "input": {"username": "alice", "password": "pw"} if data is None else data}
    value.update(top)
    return value


VALID = [
    ("login", req()),
    ("login", req("ack", {"of": ID})),
    ("logout", req("logout", {})),
    ("session", req("sync", {})),
    ("update_details", req("update_details", {})),
    ("update_details", req("update_details", {"name": "A", "email": "a@b.co", "current_password": "x"})),
    ("register", req("register", {"name": "", "email": "a@b.co", "username": "al", "password": "x" * 1024})),
    ("login", req(id="A" * 128)),
]


@pytest.mark.parametrize("widget,value", VALID)
def test_valid_requests(widget: str, value: dict[str, Any]) -> None:
    assert request_problem(value, widget) is None
    parsed = parse_request(value, widget)
    assert parsed is not None and parsed.id == value["id"] and parsed.op == value["op"] and dict(parsed.input) == value["input"]


INVALID = {
    "not an object": ("login", "login"),
    "a list": ("login", [1, 2]),
    "extra top-level key": ("login", req(session={"user": {}})),
    "missing input": ("login", {"v": 1, "id": ID, "op": "login"}),
    "v 2": ("login", req(v=2)),
    "v '1'": ("login", req(v="1")),
    "v true": ("login", req(v=True)),
    "v 1.0": ("login", req(v=1.0)),
    "id too short": ("login", req(id="A" * 21)),
    "id too long": ("login", req(id="A" * 129)),
    "id with a dot": ("login", req(id="A" * 21 + ".")),
    "id a number": ("login", req(id=1234567890123456789012345)),
    "unknown op": ("login", req("become_admin", {})),
    "op of another widget": ("logout", req()),
    "sync from the login widget": ("login", req("sync", {})),
    "login from the carrier": ("session", req()),
    "anything from the status widget": ("status", req("logout", {})),
    "input a list": ("login", req(data=["alice", "pw"])),
    "missing password": ("login", req(data={"username": "alice"})),
    "extra input key": ("login", req(data={"username": "alice", "password": "pw", "remember": "1"})),
    "password null": ("login", req(data={"username": "alice", "password": None})),
    "password a number": ("login", req(data={"username": "alice", "password": 1234})),
    "password an object": ("login", req(data={"username": "alice", "password": {"$ne": ""}})),
    "lone surrogate": ("login", req(data={"username": "alice", "password": "pw\ud800"})),
    "field over 1024": ("login", req(data={"username": "alice", "password": "x" * 1025})),
    "sync with input": ("session", req("sync", {"session": "x"})),
    "ack of a bad id": ("login", req("ack", {"of": "x"})),
}


@pytest.mark.parametrize("widget,value", list(INVALID.values()), ids=list(INVALID))
def test_malformed_requests_are_ignored_and_logged_without_their_values(
    widget: str, value: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="streamlit_auth_elements"):
        assert parse_request(value, widget) is None
    assert len(caplog.records) == 1 and "malformed" in caplog.records[0].getMessage()
    assert "pw" not in caplog.text and "alice" not in caplog.text


def test_no_value_is_no_request_and_no_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="streamlit_auth_elements"):
        assert parse_request(None, "login") is None
    assert caplog.records == []


def test_render_args_have_every_key_of_the_protocol() -> None:
    args = render_args(widget="logout", location="sidebar", lang="fr", fields={"Logout": "Sortir"}, options={"button_name": "Bye"}, session=None, reply=None, cookie=None)
    assert args == {
        "v": 1, "widget": "logout", "location": "sidebar", "lang": "fr", "fields": {"Logout": "Sortir"},
        "options": {"button_name": "Bye"}, "session": None, "reply": None, "cookie": None, "route": None,
    }


def test_a_wheel_without_its_frontend_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from streamlit_auth_elements import _component

    monkeypatch.delenv(_component.DEV_URL_ENV, raising=False)
    monkeypatch.setattr(_component, "FRONTEND_DIR", tmp_path / "frontend")
    with pytest.raises(RuntimeError, match="without its frontend.*npm run build"):
        _component._declare()
