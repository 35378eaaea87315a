"""Session tokens (SECURITY 30, and 1/3/6/8/9 as they apply) and the cookie-key refusals."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from streamlit_auth_elements import AuthConfigError, check_cookie_key
from streamlit_auth_elements._tokens import KNOWN_DEFAULT_KEYS, SESSION_TYP, mint_session_token, verify_session_token

KEY = b"k8Jq2-tV0yXw_3pLm9ZrA7sD1fG4hK6nB5cE0uQiOwY"
NOW = 1_800_000_000
SID = "AbCdEfGhIjKlMnOpQrStUv"
GOOD = {"sub": "user-1", "sid": SID, "iat": NOW - 10, "exp": NOW + 3600}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, payload: dict, signature: str = "") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{signature}"


def sign(payload: dict, *, key: bytes = KEY, typ: str | None = SESSION_TYP, alg: str = "HS256", extra: dict | None = None) -> str:
    headers = {"typ": typ} if typ is not None else {}
    headers.update(extra or {})
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def test_a_minted_token_verifies() -> None:
    token = mint_session_token(KEY, **GOOD)
    claims = verify_session_token(KEY, token, now=NOW)
    assert claims is not None and (claims.sub, claims.sid, claims.iat, claims.exp) == ("user-1", SID, NOW - 10, NOW + 3600)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": SESSION_TYP}


def flip_last_signature_char(token: str) -> str:
    head, payload, sig = token.split(".")
    return f"{head}.{payload}.{sig[:-2]}{'A' if sig[-2] != 'A' else 'B'}{sig[-1]}"


NEGATIVES = {
    "alg none": unsigned({"alg": "none", "typ": SESSION_TYP}, GOOD),
    "alg none with a signature": unsigned({"alg": "none", "typ": SESSION_TYP}, GOOD, "c2ln"),
    "empty signature": ".".join(mint_session_token(KEY, **GOOD).split(".")[:2]) + ".",
    "flipped signature": flip_last_signature_char(mint_session_token(KEY, **GOOD)),
    "wrong key": sign(GOOD, key=b"another-key-of-enough-length-0123456789abcdef"),
    "HS384 with the right key": sign(GOOD, alg="HS384"),
    "HS512 with the right key": sign(GOOD, alg="HS512"),
    "no typ": sign(GOOD, typ=None),
    "typ JWT": sign(GOOD, typ="JWT"),
    "typ at+jwt (an access token)": sign(GOOD, typ="at+jwt"),
    "crit header": sign(GOOD, extra={"crit": ["exp"]}),
    "expired": sign({**GOOD, "exp": NOW}),
    "expired long ago": sign({**GOOD, "iat": NOW - 7200, "exp": NOW - 3600}),
    "iat in the future": sign({**GOOD, "iat": NOW + 3600, "exp": NOW + 7200}),
    "exp before iat": sign({**GOOD, "iat": NOW + 10, "exp": NOW + 5}),
    "missing sub": sign({k: v for k, v in GOOD.items() if k != "sub"}),
    "missing sid": sign({k: v for k, v in GOOD.items() if k != "sid"}),
    "missing iat": sign({k: v for k, v in GOOD.items() if k != "iat"}),
    "missing exp": sign({k: v for k, v in GOOD.items() if k != "exp"}),
    "sub not a string": sign({**GOOD, "sub": 1}),
    "empty sub": sign({**GOOD, "sub": ""}),
    "sid too short": sign({**GOOD, "sid": "abc"}),
    "sid with odd characters": sign({**GOOD, "sid": "' OR 1=1 --" + "x" * 12}),
    "exp a string": sign({**GOOD, "exp": str(NOW + 3600)}),
    "exp a float": sign({**GOOD, "exp": NOW + 3600.5}),
    "exp true": sign({**GOOD, "exp": True}),
    "Streamlit-Authenticator cookie with the same key": sign({"username": "alice", "exp": NOW + 3600}, typ=None),
    "four segments": mint_session_token(KEY, **GOOD) + ".e30",
    "not base64url": "abc$.def.ghi",
    "garbage": "not a token",
    "empty": "",
    "very long": "a" * 5000,
}


@pytest.mark.parametrize("token", list(NEGATIVES.values()), ids=list(NEGATIVES))
def test_refused(token: str) -> None:
    assert verify_session_token(KEY, token, now=NOW) is None


@pytest.mark.parametrize("value", [None, 1, b"bytes", ["a"], {"a": 1}])
def test_a_token_that_is_not_a_string_is_refused(value: object) -> None:
    assert verify_session_token(KEY, value, now=NOW) is None


def test_a_token_within_the_iat_leeway_of_another_clock_verifies() -> None:
    assert verify_session_token(KEY, sign({**GOOD, "iat": NOW + 30}), now=NOW) is not None


# ---------------------------------------------------------------------- the cookie key

HOW = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


@pytest.mark.parametrize("key", [None, "", b""])
def test_a_missing_key_is_refused_with_how_to_make_one(key: object) -> None:
    with pytest.raises(AuthConfigError) as err:
        check_cookie_key(key)
    assert "cookie_key is missing" in str(err.value) and HOW in str(err.value)


@pytest.mark.parametrize("key", sorted(KNOWN_DEFAULT_KEYS) + ["Some_Signature_Key", " abcdef "])
def test_a_published_example_key_is_refused(key: str) -> None:
    with pytest.raises(AuthConfigError) as err:
        check_cookie_key(key)
    assert "published example key" in str(err.value) and HOW in str(err.value)


def test_a_key_of_31_bytes_is_refused_and_32_accepted() -> None:
    with pytest.raises(AuthConfigError) as err:
        check_cookie_key("Zq8#vL2@pW5!mR9$tX3%kN7^bH1&cJ4")
    assert "too short (31 bytes)" in str(err.value) and HOW in str(err.value)
    assert check_cookie_key("Zq8#vL2@pW5!mR9$tX3%kN7^bH1&cJ4*") == b"Zq8#vL2@pW5!mR9$tX3%kN7^bH1&cJ4*"


def test_bytes_are_counted_not_characters() -> None:
    with pytest.raises(AuthConfigError, match="too short"):
        check_cookie_key("é" * 15)  # 30 bytes


def test_a_key_that_is_not_random_is_refused() -> None:
    with pytest.raises(AuthConfigError, match="not a random secret"):
        check_cookie_key("a" * 64)


def test_a_key_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(AuthConfigError, match="must be a string"):
        check_cookie_key(12345678901234567890123456789012345)


def test_what_token_urlsafe_makes_is_accepted() -> None:
    import secrets

    for _ in range(20):
        check_cookie_key(secrets.token_urlsafe(32))
