"""Shared fixtures: a real PostgreSQL (started like test/server/pg-harness.ts does), the reference
server's TypeScript store driven through Node, and a driver for Streamlit's AppTest that plays the
browser's part of the component protocol (the iframe cannot run in AppTest: its value is put into
the widget states of a run, exactly where Streamlit puts what the browser sends)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

REPO = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent
PG_BIN_DIR = Path(os.environ.get("AE_PG_BIN_DIR", "/usr/lib/postgresql/15/bin"))
COOKIE_KEY = "k8Jq2-tV0yXw_3pLm9ZrA7sD1fG4hK6nB5cE0uQiOwY"
COOKIE_NAME = "ae_test"

# AppTest never loads the iframe: the component only needs a declared location. The wheel's own
# frontend (built by vite from src/streamlit/) is checked by the end-to-end tests.
os.environ.setdefault("AUTH_ELEMENTS_DEV_URL", "http://127.0.0.1:9/not-loaded-in-apptest/")


# ---------------------------------------------------------------------------------- PostgreSQL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_cmd(binary: str, *args: str) -> list[str]:
    exe = str(PG_BIN_DIR / binary)
    return ["runuser", "-u", "postgres", "--", exe, *args] if os.geteuid() == 0 else [exe, *args]


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


@dataclass
class PgServer:
    port: int
    base_dir: Path
    data_dir: Path
    watchdog: subprocess.Popen[bytes] | None = None
    counter: int = 0
    urls: list[str] = field(default_factory=list)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self) -> str:
        import psycopg

        self.counter += 1
        name = f"t_{os.getpid()}_{self.counter}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = f"postgresql://postgres@127.0.0.1:{self.port}/{name}"
        self.urls.append(url)
        return url

    def stop(self) -> None:
        subprocess.run(_pg_cmd("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"), env=_clean_env(), capture_output=True)
        if self.watchdog is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.watchdog.pid, signal.SIGKILL)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def start_postgres() -> PgServer:
    if not (PG_BIN_DIR / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 is not installed (no {PG_BIN_DIR}/initdb): run `bash scripts/setup.sh --postgres`")
    root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="ae-pypg-", dir="/tmp"))
    data = base / "data"
    if root:
        shutil.chown(base, "postgres", "postgres")
    base.chmod(0o700)
    env = _clean_env()
    subprocess.run(
        _pg_cmd("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-locale", "-E", "UTF8", "--no-sync"),
        env=env,
        check=True,
        capture_output=True,
    )
    # Stops the server when this process disappears without running its handlers (SIGKILL, crash).
    stop = " ".join(_pg_cmd("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"))
    watchdog = subprocess.Popen(
        ["sh", "-c", f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{base}'"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    last: subprocess.CalledProcessError | None = None
    for _ in range(3):
        port = _free_port()
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        try:
            subprocess.run(
                _pg_cmd("pg_ctl", "-D", str(data), "-l", str(base / "postgres.log"), "-o", options, "-w", "-t", "60", "start"),
                env=env,
                check=True,
                capture_output=True,
            )
            return PgServer(port=port, base_dir=base, data_dir=data, watchdog=watchdog)
        except subprocess.CalledProcessError as err:
            last = err
    log = (base / "postgres.log").read_text() if (base / "postgres.log").exists() else ""
    raise RuntimeError(f"PostgreSQL did not start: {last}\n{log}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    return pg_server.create_database()


# ---------------------------------------------------------------------------------- databases


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "auth.db"


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store test runs on a SQLite file and on a real PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "auth.db")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture(autouse=True)
def _fresh_shared_stores() -> Iterator[None]:
    """Each test opens its own stores (the per-process cache would outlive the test's database),
    and its mail goes out before the next test starts."""
    from streamlit_auth_elements import _session_database, _users_database

    yield
    with _users_database._stores_lock:
        queues = list(_users_database._queues.values())
        _users_database._queues.clear()
        stores: list[Any] = list(_users_database._stores.values())
        _users_database._stores.clear()
    for queue in queues:
        queue.idle(30)
    with _session_database._session_stores_lock:
        stores += list(_session_database._session_stores.values())
        _session_database._session_stores.clear()
    for store in stores:
        store.close()


# ---------------------------------------------------------------------------------- Node


def node_tool(*commands: dict[str, Any]) -> list[Any]:
    """Run commands against the reference server's TypeScript store (test/python/store-tool.ts);
    one Node process for the whole list. Returns one result per command."""
    proc = subprocess.run(
        ["node", "--import", "tsx", "test/python/store-tool.ts"],
        input=json.dumps(list(commands)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        raise AssertionError(f"store-tool failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
    # split("\n"), not splitlines(): JSON.stringify leaves U+2028, U+0085 and U+001C-U+001F
    # unescaped, and splitlines() would cut the line at them.
    return list(json.loads(proc.stdout.strip().split("\n")[-1]))


# ---------------------------------------------------------------------------------- AppTest


@dataclass
class FakeClient:
    """What Streamlit knows of the browser connection: st.context.cookies / headers / ip_address."""

    cookies: dict[str, str] = field(default_factory=dict)
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("origin", "http://localhost:8501")])
    remote_ip: str | None = None


def new_request_id() -> str:
    return uuid.uuid4().hex  # 32 characters of [0-9a-f]: a valid id


def login_request(username: str, password: str, request_id: str | None = None) -> dict[str, Any]:
    return {"v": 1, "id": request_id or new_request_id(), "op": "login", "input": {"username": username, "password": password}}


class Browser:
    """One browser tab on a Streamlit app, run through AppTest. ``send(key, value)`` is the iframe
    of widget ``key`` calling setComponentValue(value): the rerun that follows gets it in its
    widget states. The tab's cookie jar applies the ``cookie`` args of the session carrier."""

    def __init__(self, script: Path, secrets: dict[str, Any], client: FakeClient | None = None):
        from streamlit.testing.v1 import AppTest

        self.at = AppTest.from_file(str(script), default_timeout=60)
        self.at.secrets.update(secrets)
        self.client = client or FakeClient()
        self.jar: dict[str, str] = dict(self.client.cookies)
        #: widget key -> last value the iframe sent (the browser resends every widget's value on
        #: every rerun while the widget is mounted)
        self.values: dict[str, Any] = {}
        self.runs = 0

    def _patched(self) -> Any:
        """Seed st.context with this tab's connection: the client context (Streamlit >= 1.4x), or
        the websocket's Tornado request in older releases (the 1.37 floor)."""
        import streamlit.runtime.context as context

        client = self.client
        if hasattr(context, "_get_client_context"):
            return mock.patch.object(context, "_get_client_context", lambda: client)
        from http.cookies import SimpleCookie
        from types import SimpleNamespace

        from tornado.httputil import HTTPHeaders

        headers = HTTPHeaders()
        for name, value in client.headers:
            headers.add(name, value)
        request = SimpleNamespace(headers=headers, cookies=SimpleCookie(client.cookies), remote_ip=client.remote_ip)
        return mock.patch.object(context, "_get_request", lambda: request)

    def _walk(self) -> list[Any]:
        found = []

        def visit(node: Any) -> None:
            if getattr(node, "type", None) == "component_instance":
                found.append(node)
            for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
                visit(child)

        visit(self.at._tree)
        return found

    def widgets(self) -> dict[str, dict[str, Any]]:
        """key -> args of every auth-elements component rendered in the last run."""
        out = {}
        for element in self._walk():
            args = json.loads(element.proto.json_args)
            out[args["key"]] = args
        return out

    def _widget_id(self, key: str) -> str:
        for element in self._walk():
            if json.loads(element.proto.json_args).get("key") == key:
                return str(element.proto.id)
        raise KeyError(f"widget {key!r} was not rendered in the last run")

    def run(self) -> Browser:
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        rendered = {json.loads(e.proto.json_args)["key"]: e.proto.id for e in self._walk()} if self.runs else {}
        states = WidgetStates()
        # Unmounted widgets send nothing; mounted ones resend their last value.
        self.values = {k: v for k, v in self.values.items() if k in rendered}
        for key, value in self.values.items():
            w = states.widgets.add()
            w.id = rendered[key]
            w.json_value = json.dumps(value)
        with self._patched():
            self.at._run(states)
        self.runs += 1
        if self.at.exception:
            raise AssertionError(f"the script raised: {[e.message for e in self.at.exception]}")
        self._apply_cookies()
        return self

    def interact(self) -> Browser:
        """A rerun with the values of Streamlit's own widgets as AppTest holds them (after e.g.
        ``at.text_input(key=...).input(...)`` or ``at.button[0].click()``)."""
        with self._patched():
            self.at.run()
        self.runs += 1
        if self.at.exception:
            raise AssertionError(f"the script raised: {[e.message for e in self.at.exception]}")
        self._apply_cookies()
        return self

    def run_states(self, states: Any) -> Browser:
        """A rerun with exactly these widget states (what a forged websocket message sends)."""
        with self._patched():
            self.at._run(states)
        self.runs += 1
        if self.at.exception:
            raise AssertionError(f"the script raised: {[e.message for e in self.at.exception]}")
        return self

    def send(self, key: str, value: Any) -> Browser:
        """The iframe of ``key`` sets its value: one rerun."""
        self._widget_id(key)  # it must be mounted
        self.values[key] = value
        return self.run()

    def _apply_cookies(self) -> None:
        for args in self.widgets().values():
            cookie = args.get("cookie")
            if args.get("widget") == "session" and cookie:
                if cookie.get("clear"):
                    self.jar.pop(cookie["name"], None)
                else:
                    self.jar[cookie["name"]] = cookie["value"]

    def reload(self) -> Browser:
        """A new browser session of the same browser (a reload, or a new tab): the cookies of the
        jar go with the websocket, everything else starts afresh."""
        fresh = Browser(Path(self.at._script_path), dict(self.at.secrets), FakeClient(cookies=dict(self.jar), headers=self.client.headers, remote_ip=self.client.remote_ip))
        return fresh.run()

    def texts(self) -> list[str]:
        return [t.value for t in self.at.text]

    def state(self) -> dict[str, Any]:
        return {k: self.at.session_state[k] if k in self.at.session_state else None for k in ("authentication_status", "name", "username", "email", "roles")}


APPS = TESTS / "apps"


@pytest.fixture
def app_secrets(sqlite_path: Path) -> dict[str, Any]:
    return {"db": str(sqlite_path), "cookie_key": COOKIE_KEY, "cookie_name": COOKIE_NAME}


def wait_until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


# ---------------------------------------------------------------------------------- processes


def _watchdog(pid: int) -> subprocess.Popen[bytes]:
    """Kills ``pid``'s process group when this test process disappears (SIGKILL, crash)."""
    return subprocess.Popen(
        ["sh", "-c", f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; kill -TERM -{pid} 2>/dev/null"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(proc: subprocess.Popen[Any], watchdog: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(watchdog.pid, signal.SIGKILL)


@dataclass
class SmtpSink:
    """The reference server's test SMTP server (test/server/smtp-sink.ts, the `smtp-server`
    package): a real SMTP server on 127.0.0.1 that appends each message to a file."""

    port: int
    file: Path

    @property
    def url(self) -> str:
        return f"smtp://user:pass@127.0.0.1:{self.port}"

    def mails(self) -> list[dict[str, Any]]:
        if not self.file.exists():
            return []
        return [json.loads(line) for line in self.file.read_text().splitlines() if line.strip()]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        wait_until(lambda: len(self.mails()) >= count, timeout)
        return self.mails()


@contextlib.contextmanager
def listening_process(command: list[str], what: str, **popen: Any) -> Iterator[int]:
    """A helper server process that prints ``LISTENING <port>`` once it listens: its port; stopped
    at the end (its standard input closed first, when it has one: some exit on that)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True, **popen)
    watchdog = _watchdog(proc.pid)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"{what} did not start: {line!r}")
        yield int(line.split()[1])
    finally:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        _stop(proc, watchdog)


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    file = tmp_path / "mails.jsonl"
    with listening_process(["node", "--import", "tsx", "test/server/smtp-sink.ts", str(file)], "the SMTP sink", cwd=REPO) as port:
        yield SmtpSink(port=port, file=file)


@dataclass
class ReferenceServer:
    """The reference server (server/main.ts) on 127.0.0.1, on the test's database."""

    origin: str

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            self.origin + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Origin": self.origin},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else {}
        except urllib.error.HTTPError as err:
            text = err.read().decode()
            return err.code, json.loads(text) if text else {}


@contextlib.contextmanager
def reference_server(database: str, tmp_path: Path, **env: str) -> Iterator[ReferenceServer]:
    """Start the reference server on ``database`` (a SQLite file or a PostgreSQL URL) with the
    given AUTH_* variables; stopped when the block ends (or when this process dies)."""
    import urllib.request

    port = _free_port()
    data_dir = tmp_path / f"server-{port}"
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "PG"))}
    variables.update(PORT=str(port), HOST="127.0.0.1", AUTH_DATA_DIR=str(data_dir))
    variables["AUTH_DATABASE_URL" if database.startswith("postgres") else "AUTH_DB"] = database
    variables.update(env)
    log = tmp_path / f"server-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(["node", "--import", "tsx", "server/main.ts"], cwd=REPO, env=variables, stdout=out, stderr=out, start_new_session=True)
    watchdog = _watchdog(proc.pid)
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the reference server exited ({proc.returncode}):\n{log.read_text()}")
            try:
                with urllib.request.urlopen(origin + "/healthz", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the reference server did not start in 60 s:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield ReferenceServer(origin=origin)
    finally:
        _stop(proc, watchdog)
