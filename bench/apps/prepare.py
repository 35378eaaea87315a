"""The benchmark's users, the same for both apps, in a data directory (argv[1]):

- ``config.yaml`` for Streamlit-Authenticator, shaped like its README's (cookie name, key, expiry;
  ``credentials.usernames``), the password hashed by its own ``Hasher`` (bcrypt, its default cost);
- ``auth.db``, a streamlit-auth-elements ``UsersDatabase`` (SQLite) with the same user, hashed the
  package's way (argon2id), and ``cookie_key``, a random key for its session cookie.

Prints the hash parameters and the time one verification of each hash takes here, so the table's
figures can be read with the hashing cost in mind. ``--only auth-elements`` makes the second part
alone (an environment without Streamlit-Authenticator: test/e2e/bench-streamlit.test.ts).
"""

import json
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

from streamlit_auth_elements import UsersDatabase
from streamlit_auth_elements._passwords import verify_password

USER = {"username": "jsmith", "password": "bench-Password-2718", "first_name": "John", "last_name": "Smith", "email": "jsmith@example.com"}


def timed(check: Callable[[], bool]) -> float:
    """The fastest of three checks, in ms."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        assert check()
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def write_authenticator_config(data: Path) -> dict[str, object]:
    # Imported here: with --only auth-elements, neither is needed (nor, in .venv-st/, installed).
    import yaml
    from streamlit_authenticator.utilities import Hasher

    bcrypt_hash = Hasher.hash(USER["password"])
    config = {
        "cookie": {"expiry_days": 30, "key": secrets.token_urlsafe(32), "name": "bench_stauth_cookie"},
        "credentials": {
            "usernames": {
                USER["username"]: {
                    "email": USER["email"],
                    "failed_login_attempts": 0,
                    "first_name": USER["first_name"],
                    "last_name": USER["last_name"],
                    "logged_in": False,
                    "password": bcrypt_hash,
                    "roles": ["viewer"],
                }
            }
        },
    }
    (data / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return {"hash_prefix": bcrypt_hash[:7], "verify_ms": timed(lambda: Hasher.check_pw(USER["password"], bcrypt_hash))}


def main() -> None:
    data = Path(sys.argv[1])
    only = sys.argv[3] if sys.argv[2:3] == ["--only"] else None
    data.mkdir(parents=True, exist_ok=True)
    figures: dict[str, object] = {"user": {k: USER[k] for k in ("username", "password")}}
    if only != "auth-elements":
        figures["bcrypt"] = write_authenticator_config(data)
    (data / "cookie_key").write_text(secrets.token_urlsafe(32) + "\n")
    users = UsersDatabase(str(data / "auth.db"))
    record = users.create_user(
        USER["username"], USER["password"], name=f"{USER['first_name']} {USER['last_name']}", email=USER["email"], roles=("viewer",)
    )
    argon2_hash = record.password_hash
    figures["argon2id"] = {"hash_prefix": argon2_hash[:30], "verify_ms": timed(lambda: verify_password(argon2_hash, USER["password"]))}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
