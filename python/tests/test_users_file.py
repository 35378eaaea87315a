"""The users file backend's YAML store under stress, with real processes: concurrent registrations
from several processes all persist (read-modify-write under flock), a process killed with SIGKILL
while it saves never leaves a half-written file (temporary file, fsync, rename), and a file that
does not parse is never written over."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import bcrypt
import pytest
import yaml

from streamlit_auth_elements import UsersFile, UsersFileError
from streamlit_auth_elements._backend import AccountContext
from streamlit_auth_elements._session_database import SessionDatabase
from streamlit_auth_elements._users_database import now_ms

PASSWORD = "correct horse battery staple"


def config_file(path: Path) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "cookie": {"name": "c", "key": "placeholder", "expiry_days": 30},
                "credentials": {"usernames": {"jsmith": {"email": "jsmith@example.com", "name": "John Smith", "password": bcrypt.hashpw(b"abc", bcrypt.gensalt(4)).decode()}}},
                "pre-authorized": {"emails": []},
            }
        )
    )
    return path


def run_python(code: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


REGISTER = """
    import os, sys, time
    from streamlit_auth_elements import UsersFile
    from streamlit_auth_elements._backend import AccountContext
    from streamlit_auth_elements._session_database import SessionDatabase
    from streamlit_auth_elements._users_database import now_ms
    path, sessions, worker, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    users = UsersFile(path, registration="open", bcrypt_rounds=4, env={})
    store = SessionDatabase(sessions)
    while not os.path.exists(go):
        time.sleep(0.005)
    for i in range(count):
        ctx = AccountContext(sessions=store, client=f"10.{worker}.{i}.1", now=now_ms())
        users.register(ctx, username=f"w{worker}u{i}", email=f"w{worker}u{i}@example.com", password="correct horse battery staple", name=f"Worker {worker} User {i}")
    print("done", worker)
"""


def test_fifty_concurrent_registrations_from_five_processes_all_persist(tmp_path: Path) -> None:
    path = config_file(tmp_path / "config.yaml")
    go = tmp_path / "go"
    workers = [run_python(REGISTER, str(path), str(tmp_path / "sessions.db"), str(w), "10", str(go)) for w in range(5)]
    time.sleep(0.5)  # not a timing assertion: only lets the processes reach the start line together
    go.touch()
    for w, proc in enumerate(workers):
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
        assert out.decode().strip() == f"done {w}"
    users = yaml.safe_load(path.read_text())["credentials"]["usernames"]
    expected = {f"w{w}u{i}" for w in range(5) for i in range(10)}
    assert expected <= set(users), f"lost: {sorted(expected - set(users))}"
    assert len(users) == 51, "the 50 registrations and the user who was there"
    for name in expected:
        assert users[name]["email"] == f"{name}@example.com"
        assert users[name]["password"].startswith("$2b$04$")
    assert bcrypt.checkpw(PASSWORD.encode(), users["w3u7"]["password"].encode())
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


WRITER = """
    import sys
    from streamlit_auth_elements._users_file import YamlSource
    source = YamlSource(sys.argv[1])
    version = 0
    def change(doc):
        doc.users["bulk"] = {"email": "bulk@example.com", "name": "Bulk", "password": "", "note": f"{version}:" + "x" * 400_000}
        for i in range(300):
            doc.users[f"filler{i}"] = {"email": f"f{i}@example.com", "name": f"v{version}", "password": ""}
        doc.dirty = True
    print("ready", flush=True)
    while True:
        version += 1
        source.update(change)
"""


def complete_version(path: Path) -> int:
    """The version of the file if it is one complete save (or the first file), else fail."""
    root = yaml.safe_load(path.read_text())
    users = root["credentials"]["usernames"]
    if "bulk" not in users:
        assert set(users) == {"jsmith"}, "the original file, untouched"
        return 0
    version, _, rest = users["bulk"]["note"].partition(":")
    assert rest == "x" * 400_000, "the big value is whole"
    assert {users[f"filler{i}"]["name"] for i in range(300)} == {f"v{version}"}, "every entry of one save"
    assert users["jsmith"]["email"] == "jsmith@example.com"
    return int(version)


def test_sigkill_while_saving_never_leaves_a_half_written_file(tmp_path: Path) -> None:
    path = config_file(tmp_path / "config.yaml")
    rng = random.Random(7)
    versions: list[int] = []
    temporaries = 0
    for _ in range(25):
        writer = run_python(WRITER, str(path))
        assert writer.stdout is not None
        assert writer.stdout.readline().decode().strip() == "ready", (writer.stderr.read() if writer.stderr else b"").decode()
        time.sleep(rng.uniform(0.0, 0.4))  # a random moment, not a timing assertion
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        versions.append(complete_version(path))
        temporaries += len([p for p in tmp_path.iterdir() if p.name.endswith(".tmp")])
    print(f"\n25 kills: versions on disk {versions}; temporary files left by killed saves (cleaned by the next save): {temporaries}")
    # The next save cleans up what the killed ones left, and the file still reads as users.
    users = UsersFile(str(path), env={})
    assert users.find_user("jsmith") is not None
    assert users.check_password("jsmith", "abc", now_ms()) is not None


def test_a_file_that_does_not_parse_is_never_written_over(tmp_path: Path) -> None:
    path = config_file(tmp_path / "config.yaml")
    users = UsersFile(str(path), registration="open", bcrypt_rounds=4, env={})
    store = SessionDatabase(tmp_path / "sessions.db")
    broken = path.read_text().replace("jsmith:", "jsmith: [", 1)
    path.write_text(broken)
    ctx = AccountContext(sessions=store, client="10.0.0.1", now=now_ms())
    with pytest.raises(UsersFileError, match="not valid YAML"):
        users.register(ctx, username="newbie", email="newbie@example.com", password=PASSWORD, name="New Bie")
    assert path.read_text() == broken, "not one byte changed"
    assert users.check_password("jsmith", "abc", now_ms()) is not None, "reads keep the last version that parsed"
    fresh = run_python("import sys; from streamlit_auth_elements import UsersFile; UsersFile(sys.argv[1], env={})", str(path))
    _out, err = fresh.communicate(timeout=120)
    assert fresh.returncode == 1 and b"is not valid YAML" in err, "a process that never read it refuses to start, saying why"
    assert path.read_text() == broken


def test_a_reset_code_used_by_eight_concurrent_requests_resets_once(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from streamlit_auth_elements import AuthError

    path = config_file(tmp_path / "config.yaml")
    users = UsersFile(str(path), bcrypt_rounds=4, env={})
    store = SessionDatabase(tmp_path / "sessions.db")
    asked = users.request_password_reset(AccountContext(sessions=store, client="10.0.0.1", now=now_ms()), login="jsmith")
    assert asked.username == "jsmith" and asked.code is not None
    code = asked.code

    def attempt(i: int) -> str:
        ctx = AccountContext(sessions=store, client=f"10.0.{i}.1", now=now_ms())
        try:
            users.reset_password(ctx, token=code, password=f"new password number {i}")
            return f"ok {i}"
        except AuthError as err:
            return err.code

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    winners = [o for o in outcomes if o.startswith("ok")]
    assert len(winners) == 1 and outcomes.count("reset_token_invalid") == 7, outcomes
    stored = yaml.safe_load(path.read_text())["credentials"]["usernames"]["jsmith"]["password"]
    winner = int(winners[0].split()[1])
    assert bcrypt.checkpw(f"new password number {winner}".encode(), stored.encode()), "the file has the winner's password"
