"""The component protocol, Python side (python/PROTOCOL.md, version 1).

Whatever the iframe sends is a claim, never proof. ``parse_request`` accepts exactly the documented
shape and nothing else: ``{"v": 1, "id": <22-128 base64url chars>, "op": <known op>, "input": {...}}``
with the op's input fields, each a string (optional ones may be absent), no other key anywhere.
Anything else is malformed: ignored and logged (without its values), never an error page and
never a login.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

PROTOCOL_VERSION = 1

logger = logging.getLogger("streamlit_auth_elements")

WidgetName = Literal[
    "login", "logout", "register", "reset_password", "forgot_password", "forgot_username", "update_details", "status", "session"
]
Location = Literal["main", "sidebar"]

REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{22,128}$")

#: op -> (required input fields, optional input fields)
OPS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "login": (frozenset({"username", "password"}), frozenset()),
    "logout": (frozenset(), frozenset()),
    "register": (frozenset({"name", "email", "username", "password"}), frozenset()),
    "verify_registration": (frozenset({"token"}), frozenset()),
    "change_password": (frozenset({"current_password", "new_password"}), frozenset()),
    "request_password_reset": (frozenset({"login"}), frozenset()),
    "reset_password": (frozenset({"token", "password"}), frozenset()),
    "request_username_reminder": (frozenset({"email"}), frozenset()),
    "update_details": (frozenset(), frozenset({"name", "email", "current_password"})),
    "redeem": (frozenset({"code"}), frozenset()),
    "ack": (frozenset({"of"}), frozenset()),
    "sync": (frozenset(), frozenset()),
}

#: Which ops each widget may send; a request from another widget is malformed.
WIDGET_OPS: dict[str, frozenset[str]] = {
    "login": frozenset({"login", "redeem", "ack"}),
    "logout": frozenset({"logout"}),
    "register": frozenset({"register", "verify_registration", "redeem", "ack"}),
    "reset_password": frozenset({"change_password", "reset_password", "redeem", "ack"}),
    "forgot_password": frozenset({"request_password_reset"}),
    "forgot_username": frozenset({"request_username_reminder"}),
    "update_details": frozenset({"update_details", "redeem", "ack"}),
    "status": frozenset(),
    "session": frozenset({"sync"}),
}

#: Longest string accepted in any input field (the reference server's password limit).
MAX_FIELD_LENGTH = 1024


@dataclass(frozen=True)
class Request:
    id: str
    op: str
    input: Mapping[str, str]


def _is_clean_string(value: object) -> bool:
    """A str of at most MAX_FIELD_LENGTH code points that is valid Unicode (no lone surrogate:
    JSON allows "\\ud800", UTF-8 does not, and two different strings must never be one password)."""
    if not isinstance(value, str) or len(value) > MAX_FIELD_LENGTH:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def request_problem(value: Any, widget: str) -> str | None:
    """Why ``value`` is not a valid request of ``widget`` (for the log: never echoes values), or None."""
    if not isinstance(value, dict):
        return f"not an object ({type(value).__name__})"
    if set(value) != {"v", "id", "op", "input"}:
        return "keys are not exactly v, id, op, input"
    v = value["v"]
    if not isinstance(v, int) or isinstance(v, bool) or v != PROTOCOL_VERSION:
        return "v is not 1"
    if not isinstance(value["id"], str) or not REQUEST_ID.match(value["id"]):
        return "id is not 22-128 base64url characters"
    op = value["op"]
    if not isinstance(op, str) or op not in OPS:
        return "unknown op"
    if op not in WIDGET_OPS.get(widget, frozenset()):
        return f"op {op!r} is not one the {widget!r} widget sends"
    return input_problem(op, value["input"])


def input_problem(op: str, data: Any) -> str | None:
    """Why ``data`` is not the input of ``op`` (a known op), or None: exactly the op's fields
    (optional ones may be absent), each a valid string. The ASGI routes check bodies with it too."""
    if not isinstance(data, dict):
        return "input is not an object"
    required, optional = OPS[op]
    keys = set(data)
    if not required <= keys:
        return f"input lacks {sorted(required - keys)}"
    if not keys <= required | optional:
        return "input has unknown keys"
    if not all(_is_clean_string(data[k]) for k in keys):
        return "an input field is not a valid string"
    if op == "ack" and not REQUEST_ID.match(data["of"]):
        return "ack.of is not a request id"
    return None


def parse_request(value: Any, widget: str) -> Request | None:
    """The request, or None when ``value`` is absent (None) or malformed (logged)."""
    if value is None:
        return None
    problem = request_problem(value, widget)
    if problem is not None:
        logger.warning("auth-elements: ignored a malformed component value from the %s widget: %s", widget, problem)
        return None
    return Request(id=value["id"], op=value["op"], input=dict(value["input"]))


def ok_reply(request_id: str, result: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"id": request_id, "ok": True, "result": dict(result or {})}


def error_reply(
    request_id: str,
    code: str,
    message: str,
    *,
    retry_after: int | None = None,
    description: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The reply to a refused request; ``details`` (e.g. ``{"reason": "too_short", "min": 15}``)
    become members of ``error`` next to ``message``, as in the server's error body."""
    error: dict[str, Any] = {**(details or {}), "code": code, "message": message}
    if description is not None:
        error["description"] = description
    if retry_after is not None:
        error["retry_after"] = retry_after
    return {"id": request_id, "ok": False, "error": error}


def render_args(
    *,
    widget: str,
    location: Location,
    lang: str | None,
    fields: Mapping[str, str | Mapping[str, str]] | None,
    options: Mapping[str, Any] | None,
    session: Mapping[str, Any] | None,
    reply: Mapping[str, Any] | None,
    cookie: Mapping[str, Any] | None,
    route: str | None = None,
) -> dict[str, Any]:
    """The args of one render, every key present (PROTOCOL.md "Python -> iframe")."""
    return {
        "v": PROTOCOL_VERSION,
        "widget": widget,
        "location": location,
        "lang": lang,
        "fields": dict(fields) if fields is not None else None,
        "options": dict(options or {}),
        "session": dict(session) if session is not None else None,
        "reply": dict(reply) if reply is not None else None,
        "cookie": dict(cookie) if cookie is not None else None,
        "route": route,
    }
