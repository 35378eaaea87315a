"""Users in a Streamlit-Authenticator users file: its ``credentials`` structure, from the app's own
dict (updated in place; the app saves it, as that library's README tells it to) or from a YAML file
(read, and saved atomically under an inter-process lock).

The structure (Streamlit-Authenticator's ``config.yaml``, every release since 0.2)::

    credentials:
      usernames:
        jsmith:
          email: jsmith@gmail.com
          first_name: John          # 0.4; older files have `name: John Smith`
          last_name: Smith
          password: $2b$12$...       # bcrypt; plain text is hashed on load (auto_hash)
          roles: [admin, editor]     # optional
          failed_login_attempts: 0   # left as they are: throttling and sessions live in the
          logged_in: false           #   session database (SessionDatabase), not in the file
    pre-authorized:
      emails: [melsby@gmail.com]

Or a file holding only ``usernames:`` (the ``credentials`` part). Usernames are compared as the
reference server compares them (NFKC, lower case); two entries that compare equal are refused.
A user without a password (Streamlit-Authenticator's OAuth2 guests) cannot sign in by password.

**New hashes are bcrypt** (cost 12, ``bcrypt_rounds``), the very format of Streamlit-Authenticator's
``Hasher``: a file written here stays readable by that library if its users go back, and by every
tool that reads such files. ``hash_scheme="argon2id"`` opts in to the reference server's argon2id
(then bcrypt hashes are replaced after a successful login); that file is no longer readable by
Streamlit-Authenticator. bcrypt reads 72 bytes at most: with bcrypt, a longer new password is refused
(``weak_password``) rather than silently cut.

**Saving a YAML file** (every change: a registration, a password, details, the auto-hash of plain
text passwords, a used pre-authorization):

1. take the process's lock for that file and ``flock`` the lock file beside it (``<file>.lock``):
   one writer at a time across threads and processes;
2. read the file again (another process may have changed it since) and apply the change to what
   is there now (read-modify-write: no process loses another's change);
3. write the new content to a temporary file in the same directory, ``fsync`` it, give it the old
   file's permission bits, ``rename`` it over the file and ``fsync`` the directory: a crash at any
   moment leaves the old file or the new one, never a half-written or empty one (temporary files
   left by a crash are removed by the next save).

Reads take no lock (a rename is atomic) and are cached per file, keyed by device, inode, size,
modification and change time, so an edit made by hand or by another process is picked up at the
next check; a file modified within the last 2 seconds is read again on every check (timestamps
are coarser than edits can be fast). A file that does not parse is never written over: writes
refuse, reads keep the last version that parsed (logged).

The account operations are the users database's (``_accounts.DatabaseAccounts``, the reference
server's rules) over this file; their single-use tokens (reset codes, pending registrations) and
every counter live in the ``SessionDatabase`` given to ``Auth(..., sessions=...)``.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal, TypeVar

import bcrypt
import yaml

from ._accounts import DatabaseAccounts, invalid_input
from ._backend import AccountContext, PasswordResetRequest, Registration, UsernameReminder, unsupported
from ._errors import AuthConfigError, AuthError
from ._identity import normalize_email, normalize_username, username_skeletons
from ._mail import Mailer, MailQueue
from ._passwords import hash_password, needs_rehash, verify_password
from ._policy import AccountSettings, RegistrationMode, normalize_domains, settings_from_env
from ._records import (
    DuplicateUserError,
    Identity,
    NewUserRow,
    NotPreauthorizedError,
    PendingRegistration,
    ResetTokenRecord,
    UserRecord,
)
from ._session_database import SessionDatabase, TokenRecord

logger = logging.getLogger("streamlit_auth_elements")

T = TypeVar("T")
HashScheme = Literal["bcrypt", "argon2id"]
HASH_SCHEMES = ("bcrypt", "argon2id")
#: Streamlit-Authenticator's Hasher uses bcrypt.gensalt(): cost 12.
BCRYPT_DEFAULT_ROUNDS = 12
BCRYPT_MAX_BYTES = 72
#: A file modified less than this long before it was read is read again at every check.
RACY_SECONDS = 2.0
#: Kinds of this backend's single-use tokens in the session database's ``st_tokens``.
RESET_KIND = "users_file:reset"
REGISTER_KIND = "users_file:register"
PREAUTHORIZED_KEY = "pre-authorized"

#: What Streamlit-Authenticator's Hasher.is_hash accepts, and argon2 PHC strings: either is a hash,
#: anything else in ``password`` is plain text.
_HASH = re.compile(r"^(\$2[aby]\$\d+\$.{53}|\$argon2(?:id|i|d)\$.+)$", re.DOTALL)

#: Mutations of objects the app owns (its credentials dict, its pre-authorized lists) happen under
#: this lock: a dict kept at module level or in st.cache_resource is shared by every session.
_memory_lock = threading.RLock()

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class UsersFileError(AuthConfigError):
    """The users file (or dict) cannot be used as it is: the message says where and why."""


def is_hash(value: object) -> bool:
    """Whether a ``password`` value is a hash (bcrypt or argon2), not plain text."""
    return isinstance(value, str) and _HASH.match(value) is not None


def bcrypt_hash(password: str, rounds: int = BCRYPT_DEFAULT_ROUNDS) -> str:
    """A bcrypt hash as Streamlit-Authenticator's Hasher makes it ($2b$, cost ``rounds``). A
    password of more than 72 UTF-8 bytes is refused (bcrypt would ignore the rest)."""
    data = password.encode("utf-8")
    if len(data) > BCRYPT_MAX_BYTES:
        raise ValueError(f"bcrypt hashes at most {BCRYPT_MAX_BYTES} bytes of a password; this one has {len(data)}")
    return bcrypt.hashpw(data, bcrypt.gensalt(rounds)).decode("ascii")


# ---------------------------------------------------------------------------------- the document


def split_name(name: str) -> tuple[str, str]:
    """``first_name``, ``last_name`` of a display name: the first word, then the rest."""
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


def full_name(entry: Mapping[str, Any]) -> str:
    """The display name as Streamlit-Authenticator makes it: first and last name, else ``name``."""
    first, last = entry.get("first_name"), entry.get("last_name")
    joined = f"{first if first is not None else ''} {last if last is not None else ''}".strip()
    if joined:
        return joined
    name = entry.get("name")
    return str(name) if name is not None else ""


def _roles(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, (list, tuple)):
        return tuple(str(r) for r in value if r is not None and str(r) != "")
    return (str(value),)


def _password_value(entry: Mapping[str, Any]) -> str:
    value = entry.get("password")
    if value is None or isinstance(value, bool):
        return ""
    return value if isinstance(value, str) else str(value)  # `password: 1234` parses as an int


def user_record(key: str, entry: Mapping[str, Any]) -> UserRecord:
    """The UserRecord of an entry: id and ``username_normalized`` are the normalized username;
    without a password (an OAuth2 guest of Streamlit-Authenticator) it counts as disabled."""
    normalized = normalize_username(key)
    password = _password_value(entry)
    email = entry.get("email")
    return UserRecord(
        id=normalized,
        username=key,
        username_normalized=normalized,
        name=full_name(entry),
        email=str(email).strip() if email is not None else "",
        password_hash=password,
        roles=_roles(entry.get("roles")),
        disabled=password == "",
        created_at=0,
        updated_at=0,
        last_login=None,
        logins_count=0,
    )


@dataclass
class _Doc:
    """The users as Streamlit-Authenticator's config holds them; changes go into the very objects
    (the app's dict, or the parsed file that is then saved)."""

    users: MutableMapping[str, Any]
    #: ``pre-authorized: emails:`` of the file, or the list the app gave (None: there is none).
    preauthorized: list[Any] | None
    dirty: bool = False

    def key_of(self, normalized: str) -> str | None:
        for key in self.users:
            if normalize_username(str(key)) == normalized:
                return str(key)
        return None

    def entry(self, normalized: str) -> tuple[str, MutableMapping[str, Any]] | None:
        if normalized in self.users and isinstance(self.users[normalized], MutableMapping):
            return normalized, self.users[normalized]
        key = self.key_of(normalized)
        return (key, self.users[key]) if key is not None else None


def _credentials_of(root: object, where: str) -> tuple[MutableMapping[str, Any], MutableMapping[str, Any]]:
    """(the credentials mapping, the mapping that holds ``pre-authorized`` or a stand-in)."""
    if not isinstance(root, MutableMapping):
        raise UsersFileError(f"{where} must be a mapping with `credentials: usernames:` (Streamlit-Authenticator's config), got {type(root).__name__}")
    if "credentials" in root:
        credentials = root["credentials"]
        if not isinstance(credentials, MutableMapping):
            raise UsersFileError(f"{where}: `credentials` must be a mapping with `usernames:`")
        return credentials, root
    if "usernames" in root:
        return root, {}
    raise UsersFileError(f"{where} has no `credentials:` (nor `usernames:`): it is not a Streamlit-Authenticator users file")


def _doc_of(credentials: MutableMapping[str, Any], holder: Mapping[str, Any], preauthorized: list[Any] | None, where: str) -> _Doc:
    users = credentials.get("usernames")
    if not users:  # None or empty: Streamlit-Authenticator starts an empty mapping too
        users = {}
        credentials["usernames"] = users
    if not isinstance(users, MutableMapping):
        raise UsersFileError(f"{where}: `usernames` must map each username to its details")
    for key, entry in users.items():
        if not isinstance(entry, MutableMapping):
            raise UsersFileError(f"{where}: the entry of user {key!r} must be a mapping (email, first_name, password, ...)")
    if preauthorized is None:
        section = holder.get(PREAUTHORIZED_KEY)
        if isinstance(section, MutableMapping) and isinstance(section.get("emails"), list):
            preauthorized = section["emails"]
    return _Doc(users=users, preauthorized=preauthorized)


@dataclass
class _Snapshot:
    """An index of one version of the users: by normalized username (file order) and email."""

    by_name: dict[str, UserRecord]
    by_email: dict[str, str]
    preauthorized: frozenset[str] | None
    #: Normalized usernames whose ``password`` is plain text.
    plain: tuple[str, ...]
    _skeletons: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def skeletons(self, normalized: str) -> tuple[str, ...]:
        found = self._skeletons.get(normalized)
        if found is None:
            found = tuple(username_skeletons(self.by_name[normalized].username))
            self._skeletons[normalized] = found
        return found

    def confusable(self, username: str) -> UserRecord | None:
        """The first user a new account named ``username`` would be confused with."""
        normalized = normalize_username(username)
        if normalized in self.by_name:
            return self.by_name[normalized]
        wanted = set(username_skeletons(username))
        for name, user in self.by_name.items():
            if wanted.intersection(self.skeletons(name)):
                return user
        return None


def _index(doc: _Doc, where: str) -> _Snapshot:
    by_name: dict[str, UserRecord] = {}
    by_email: dict[str, str] = {}
    plain: list[str] = []
    for key, entry in doc.users.items():
        user = user_record(str(key), entry)
        if user.username_normalized in by_name:
            raise UsersFileError(
                f"{where}: the usernames {by_name[user.username_normalized].username!r} and {str(key)!r} are the same "
                "username (compared without case): keep one of them"
            )
        by_name[user.username_normalized] = user
        if user.email:
            by_email.setdefault(normalize_email(user.email), user.username_normalized)
        if user.password_hash and not is_hash(user.password_hash):
            plain.append(user.username_normalized)
    emails = None if doc.preauthorized is None else frozenset(normalize_email(str(e)) for e in doc.preauthorized if e)
    return _Snapshot(by_name=by_name, by_email=by_email, preauthorized=emails, plain=tuple(plain))


# ---------------------------------------------------------------------------------- sources


#: What the app's credentials dicts were changed to, per journal (``UsersFile(dict, journal=...)``):
#: journal -> key -> (the entry before, the entry after, when). See ``_DictSource``.
_journals: dict[str, dict[str, tuple[Any, Any, float]]] = {}
#: journal -> normalized email -> when its pre-authorization was used up.
_consumed: dict[str, dict[str, float]] = {}
#: How long a journal remembers a change that no loaded dict has shown yet.
JOURNAL_SECONDS = 60.0


class _DictSource:
    """The app's own credentials dict, changed in place (the app saves it).

    With a ``journal`` name (an app that loads its config from a file in every run and saves it at
    the end, as Streamlit-Authenticator's README does), each change is also remembered in the
    process: Streamlit stops a run at its next ``st`` call when a rerun is asked for, so the run that
    made a change may never reach the app's save, and the next run loads the file as it was. The
    dict of a later run is given the change again while it still holds the entry as it was before
    (not when it holds the change already, which ends the journal's entry, nor when it holds
    something else: a newer change made elsewhere wins)."""

    path: str | None = None

    def __init__(self, credentials: MutableMapping[str, Any], preauthorized: list[Any] | None, journal: str | None = None):
        self.credentials = credentials
        self.preauthorized = preauthorized
        self.journal = journal
        self.where = "the credentials dict"
        with _memory_lock:
            doc = self._doc()  # fails now on a malformed dict, and starts `usernames: {}` as the library does
            self._replay(doc)

    def _doc(self) -> _Doc:
        credentials, holder = _credentials_of(self.credentials, self.where)
        return _doc_of(credentials, holder, self.preauthorized, self.where)

    def _replay(self, doc: _Doc) -> None:
        entries = _journals.get(self.journal or "")
        if not entries:
            return
        now = time.monotonic()
        for key, (before, after, at) in list(entries.items()):
            current = doc.users.get(key)
            if current == after or current != before or now - at > JOURNAL_SECONDS:
                del entries[key]
            elif after is None:
                del doc.users[key]
            else:
                doc.users[key] = copy.deepcopy(after)

    def consumed_emails(self) -> list[str]:
        """The pre-authorized emails (normalized) this journal saw used up lately."""
        now = time.monotonic()
        with _memory_lock:
            found = _consumed.get(self.journal or "", {})
            for email, at in list(found.items()):
                if now - at > JOURNAL_SECONDS:
                    del found[email]
            return list(found)

    def note_consumed(self, normalized_email: str) -> None:
        if self.journal is not None:
            with _memory_lock:
                _consumed.setdefault(self.journal, {})[normalized_email] = time.monotonic()

    def snapshot(self) -> _Snapshot:
        with _memory_lock:
            return _index(self._doc(), self.where)

    def update(self, change: Callable[[_Doc], T]) -> T:
        with _memory_lock:
            doc = self._doc()
            if self.journal is None:
                return change(doc)
            before = copy.deepcopy(dict(doc.users))
            result = change(doc)
            entries = _journals.setdefault(self.journal, {})
            now = time.monotonic()
            for key in set(before) | set(doc.users):
                after = doc.users.get(key)
                if before.get(key) != after:
                    earlier = entries.get(key)
                    entries[key] = (earlier[0] if earlier is not None else before.get(key), copy.deepcopy(after), now)
            return result


@dataclass
class _Cached:
    key: tuple[int, ...]
    read_at: float
    root: Any
    snapshot: _Snapshot


_file_cache: dict[str, _Cached] = {}
_file_locks: dict[str, threading.Lock] = {}
_file_registry_lock = threading.Lock()


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@contextlib.contextmanager
def _inter_process_lock(lock_path: str) -> Iterator[None]:
    """An exclusive lock on ``lock_path`` (created 0600) for the block: ``flock`` on POSIX,
    ``msvcrt.locking`` on Windows. Each holder opens its own descriptor (flock excludes other
    descriptors, even in this process)."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if sys.platform == "win32":  # pragma: no cover - not tested here
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    time.sleep(0.01)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_atomically(path: str, write: Callable[[IO[str]], None]) -> None:
    """Replace ``path`` by what ``write`` writes, atomically and durably: a temporary file in the
    same directory, fsync, the old file's permission bits (0600 for a new file), rename over
    ``path``, fsync of the directory. On any failure the temporary file goes and ``path`` is as it
    was. The caller holds the file's lock."""
    directory, base = os.path.split(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o600
    fd, temporary = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=directory or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if sys.platform != "win32":
        dir_fd = os.open(directory or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def remove_stale_temporaries(path: str) -> int:
    """Temporary files of ``path`` left by a process that died while saving (the caller holds the
    lock, so none is being written now). Returns how many went."""
    directory, base = os.path.split(path)
    prefix = f".{base}."
    gone = 0
    for name in os.listdir(directory or "."):
        if name.startswith(prefix) and name.endswith(".tmp"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
                gone += 1
    return gone


class YamlSource:
    """A Streamlit-Authenticator config file (or a file of its ``credentials``) on disk."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False):
        self.path = os.path.realpath(os.fspath(path))
        self.lock_path = self.path + ".lock"
        self.where = self.path
        with _file_registry_lock:
            self._thread_lock = _file_locks.setdefault(self.path, threading.Lock())
        if not os.path.exists(self.path):
            if not create:
                raise UsersFileError(f"the users file {self.path} does not exist")
            with self._locked():
                if not os.path.exists(self.path):
                    write_atomically(self.path, lambda out: yaml.dump({"credentials": {"usernames": {}}}, out, Dumper=_Dumper, default_flow_style=False))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock, _inter_process_lock(self.lock_path):
            yield

    def _load(self) -> tuple[Any, os.stat_result]:
        with open(self.path, encoding="utf-8") as f:
            stat = os.fstat(f.fileno())
            text = f.read()
        try:
            root = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError as err:
            raise UsersFileError(f"the users file {self.path} is not valid YAML: {err}") from None
        if root is None:
            raise UsersFileError(f"the users file {self.path} is empty")
        return root, stat

    def _remember(self, root: Any, stat: os.stat_result, read_at: float) -> _Snapshot:
        credentials, holder = _credentials_of(root, self.where)
        snapshot = _index(_doc_of(credentials, holder, None, self.where), self.where)
        with _file_registry_lock:
            _file_cache[self.path] = _Cached(_stat_key(stat), read_at, root, snapshot)
        return snapshot

    def _cached(self) -> _Cached | None:
        with _file_registry_lock:
            return _file_cache.get(self.path)

    def snapshot(self) -> _Snapshot:
        """The users as the file holds them now (cached while the file is unchanged)."""
        cached = self._cached()
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise UsersFileError(f"the users file {self.path} does not exist (any more)") from None
        if (
            cached is not None
            and cached.key == _stat_key(stat)
            and stat.st_mtime_ns / 1e9 < cached.read_at - RACY_SECONDS
        ):
            return cached.snapshot
        read_at = time.time()
        try:
            root, stat = self._load()
            return self._remember(root, stat, read_at)
        except UsersFileError:
            if cached is None:
                raise
            logger.exception("auth-elements: the users file %s cannot be read now; using the last version that could", self.path)
            return cached.snapshot

    def root(self) -> Any:
        """A copy of the whole parsed file (the cookie settings of a Streamlit-Authenticator config)."""
        self.snapshot()
        cached = self._cached()
        assert cached is not None
        return copy.deepcopy(cached.root)

    def update(self, change: Callable[[_Doc], T]) -> T:
        """Read-modify-write under the lock: ``change`` gets the file as it is now; the file is
        saved atomically when ``change`` marked the document dirty (nothing is written when it
        raises)."""
        with self._locked():
            read_at = time.time()
            root, _stat = self._load()
            credentials, holder = _credentials_of(root, self.where)
            doc = _doc_of(credentials, holder, None, self.where)
            result = change(doc)
            if doc.dirty:
                remove_stale_temporaries(self.path)
                write_atomically(self.path, lambda out: yaml.dump(root, out, Dumper=_Dumper, default_flow_style=False, allow_unicode=True, sort_keys=False))
                with open(self.path, encoding="utf-8") as f:
                    stat = os.fstat(f.fileno())
                self._remember(root, stat, read_at)
            return result


# ---------------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class _Preauthorized:
    """Where the pre-authorized emails of one call are: a list the app passed with the call
    (``options["pre_authorized"]``, used up in place), and/or the file's or the app's own list."""

    given: list[Any] | None


def remove_email(emails: list[Any] | None, normalized: str) -> bool:
    """Remove every entry of ``emails`` equal to ``normalized`` (compared normalized), in place."""
    if emails is None:
        return False
    with _memory_lock:
        keep = [e for e in emails if normalize_email(str(e)) != normalized]
        if len(keep) == len(emails):
            return False
        emails[:] = keep
        return True


class _FileStore:
    """What ``DatabaseAccounts`` needs of a store, over the users file and the session database
    (tokens). One per account operation (it carries that call's pre-authorized list)."""

    def __init__(self, source: _DictSource | YamlSource, sessions: SessionDatabase, preauthorized: _Preauthorized):
        self.source = source
        self.sessions = sessions
        self.preauthorized = preauthorized

    # ---- users ----

    def find_confusable_user(self, username: str) -> UserRecord | None:
        return self.source.snapshot().confusable(username)

    def user_by_email(self, email: str) -> UserRecord | None:
        snapshot = self.source.snapshot()
        name = snapshot.by_email.get(normalize_email(email))
        return snapshot.by_name[name] if name is not None else None

    def user_by_normalized_name(self, normalized: str) -> UserRecord | None:
        return self.source.snapshot().by_name.get(normalized)

    def user_by_id(self, user_id: str) -> UserRecord | None:
        return self.source.snapshot().by_name.get(user_id)

    def is_preauthorized_email(self, email: str) -> bool:
        n = normalize_email(email)
        if n == "":
            return False
        if self.preauthorized.given is not None:
            with _memory_lock:
                return any(normalize_email(str(e)) == n for e in self.preauthorized.given)
        emails = self.source.snapshot().preauthorized
        return emails is not None and n in emails

    def create_user(self, row: NewUserRow, *, consume_preauthorized_email: str | None = None) -> UserRecord:
        """Add the user (key: the normalized username, as Streamlit-Authenticator keys them) in
        one read-modify-write: the pre-authorization (when asked) is used up, then a taken or
        look-alike username, then a taken email, refuses it, each checked on the file as it is now."""

        def change(doc: _Doc) -> UserRecord:
            now_index = _index(doc, self.source.where)
            if consume_preauthorized_email is not None:
                n = normalize_email(consume_preauthorized_email)
                listed = self.preauthorized.given if self.preauthorized.given is not None else doc.preauthorized
                with _memory_lock:
                    found = listed is not None and any(normalize_email(str(e)) == n for e in listed)
                if not found:
                    raise NotPreauthorizedError("this email is not pre-authorized")
            if now_index.confusable(row.username) is not None:
                raise DuplicateUserError("username taken", "username")
            if row.email_normalized and row.email_normalized in now_index.by_email:
                raise DuplicateUserError("this email belongs to another user", "email")
            if consume_preauthorized_email is not None:
                n = normalize_email(consume_preauthorized_email)
                remove_email(self.preauthorized.given, n)
                if isinstance(self.source, _DictSource):
                    self.source.note_consumed(n)
                if doc.preauthorized is not self.preauthorized.given:
                    remove_email(doc.preauthorized, n)
            first, last = split_name(row.name)
            entry: dict[str, Any] = {
                "email": row.email,
                "failed_login_attempts": 0,
                "first_name": first,
                "last_name": last,
                "logged_in": False,
                "password": row.password_hash,
                "roles": list(row.roles) or None,
            }
            doc.users[row.username_normalized] = entry
            doc.dirty = True
            return user_record(row.username_normalized, entry)

        return self.source.update(change)

    def update_password_hash(self, user_id: str, password_hash: str, now: int) -> None:
        def change(doc: _Doc) -> None:
            found = doc.entry(user_id)
            if found is not None:
                found[1]["password"] = password_hash
                doc.dirty = True

        self.source.update(change)
        self.sessions.void_tokens(RESET_KIND, user_id)

    def update_user_details(self, user_id: str, *, name: str | None = None, email: str | None = None, now: int) -> UserRecord | None:
        """Name and/or email (None keeps it); an entry with only the older ``name`` keeps that
        form. A changed email voids the user's reset codes. DuplicateUserError (``email``) when
        another user has the email."""

        def change(doc: _Doc) -> tuple[UserRecord | None, bool]:
            found = doc.entry(user_id)
            if found is None:
                return None, False
            key, entry = found
            email_changed = False
            if email is not None:
                n = normalize_email(email)
                owner = _index(doc, self.source.where).by_email.get(n)
                if n and owner is not None and owner != user_id:
                    raise DuplicateUserError("this email belongs to another user", "email")
                email_changed = normalize_email(str(entry.get("email") or "")) != n
                entry["email"] = email
            if name is not None:
                if "name" in entry and "first_name" not in entry and "last_name" not in entry:
                    entry["name"] = name
                else:
                    entry["first_name"], entry["last_name"] = split_name(name)
            doc.dirty = True
            return user_record(key, entry), email_changed

        record, email_changed = self.source.update(change)
        if email_changed:
            self.sessions.void_tokens(RESET_KIND, user_id)
        return record

    # ---- tokens, in the session database ----

    def insert_reset_token(self, token_hash: str, user_id: str, expires_at: int, now: int) -> None:
        self.sessions.store.insert_token(
            TokenRecord(token_hash=token_hash, kind=RESET_KIND, subject=user_id, expires_at=expires_at, created_at=now), replace=True
        )

    def find_reset_token(self, token_hash: str) -> ResetTokenRecord | None:
        row = self.sessions.store.token(token_hash)
        if row is None or row["kind"] != RESET_KIND:
            return None
        used = row["used_at"]
        return ResetTokenRecord(
            token_hash=row["token_hash"], user_id=row["subject"], expires_at=int(row["expires_at"]),
            used_at=None if used is None else int(used), created_at=int(row["created_at"]),
        )

    def consume_reset_token(self, token_hash: str, now: int) -> str | None:
        row = self.sessions.store.consume_token(RESET_KIND, token_hash, now)
        return None if row is None else str(row["subject"])

    def insert_pending_registration(self, r: PendingRegistration, now: int) -> None:
        """One pending registration per email (a newer one replaces it), its password already hashed."""
        data = {"username": r.username, "name": r.name, "email": r.email, "password_hash": r.password_hash}
        self.sessions.store.insert_token(
            TokenRecord(token_hash=r.token_hash, kind=REGISTER_KIND, subject=normalize_email(r.email), data=data, expires_at=r.expires_at, created_at=now),
            replace=True,
        )

    def consume_pending_registration(self, token_hash: str, now: int) -> PendingRegistration | None:
        import json

        row = self.sessions.store.consume_token(REGISTER_KIND, token_hash, now)
        if row is None:
            return None
        data = json.loads(row["data"])
        return PendingRegistration(
            token_hash=token_hash, username=data["username"], name=data["name"], email=data["email"],
            password_hash=data["password_hash"], expires_at=int(row["expires_at"]), used_at=now, created_at=int(row["created_at"]),
        )


class _FileAccounts(DatabaseAccounts):
    """The users database's account operations over one call's file store and settings."""

    def __init__(self, owner: UsersFile, store: _FileStore, settings: AccountSettings):
        self.store = store  # type: ignore[assignment]
        self.settings = settings
        self.mail = owner.mail
        self._owner = owner

    def _hash_new_password(self, password: str) -> str:
        return self._owner.new_hash(password)


# ---------------------------------------------------------------------------------- the backend


def _mail_queue(mail: str | Mailer | None, mail_from: str | None, app_url: str | None, env: Mapping[str, str]) -> MailQueue | None:
    from ._users_database import smtp_mail_queue

    if mail is None:
        mail = env.get("AUTH_SMTP_URL") or None
    if mail is None:
        return None
    if mail == "outbox":
        raise AuthConfigError("mail='outbox' is the users database's development outbox; a users file has none: give an smtp:// URL or a Mailer")
    return smtp_mail_queue(mail, mail_from, app_url, env, "an smtp:// or smtps:// URL, a Mailer, or None")


_dummy_lock = threading.Lock()
_dummies: dict[str, str] = {}


class UsersFile:
    """The credentials of ``Auth`` from a Streamlit-Authenticator users file.

    ``UsersFile(config["credentials"])``: the app's dict, changed in place by registrations,
    password and detail changes (the app saves it, as Streamlit-Authenticator's README tells it);
    ``UsersFile("config.yaml")``: the file, saved atomically under a lock at every change
    (``create=True`` starts an empty one when it does not exist). Give ``Auth`` a session store
    for the sessions and counters: ``Auth(users, sessions=users.default_sessions(), cookie_key=...)``
    (a ``SessionDatabase`` beside the file, or any one).

    Options: ``pre_authorized`` (with a dict: the app's list of emails allowed to register, used
    up in place; a file's own ``pre-authorized: emails:`` is used by default), and the account rules of
    ``UsersDatabase`` (``registration`` — default ``preauthorized``, ``AUTH_REGISTRATION`` —,
    ``allowed_domains``, ``password_min_length``, ``app_url``, ``mail``, ``mail_from``,
    ``settings``). ``hash_scheme``: ``bcrypt`` (default, readable by Streamlit-Authenticator) or
    ``argon2id``; ``bcrypt_rounds`` (12). ``auto_hash``: hash plain text passwords when loaded
    (True, as Streamlit-Authenticator; a file is saved with the hashes). ``journal`` (a dict that the
    app loads from its file in every run and saves at the run's end): a name under which changes
    are remembered in the process and made again in a later run's dict when the run that made them
    was stopped before its save (see ``_DictSource``).

    Per widget call, ``options=`` may carry ``pre_authorized`` (a list, used up in place),
    ``registration`` (a mode), ``domains`` (allowed email domains) and ``validator`` (an object
    with Streamlit-Authenticator's Validator methods, whose refusals add to the rules here).
    """

    def __init__(
        self,
        credentials: MutableMapping[str, Any] | str | os.PathLike[str],
        *,
        pre_authorized: list[Any] | None = None,
        create: bool = False,
        registration: RegistrationMode | None = None,
        allowed_domains: Sequence[str] | None = None,
        password_min_length: int | None = None,
        app_url: str | None = None,
        mail: str | Mailer | None = None,
        mail_from: str | None = None,
        settings: AccountSettings | None = None,
        hash_scheme: HashScheme = "bcrypt",
        bcrypt_rounds: int = BCRYPT_DEFAULT_ROUNDS,
        auto_hash: bool = True,
        journal: str | None = None,
        env: Mapping[str, str] | None = None,
    ):
        env = os.environ if env is None else env
        if hash_scheme not in HASH_SCHEMES:
            raise AuthConfigError(f"hash_scheme must be 'bcrypt' or 'argon2id', got {hash_scheme!r}")
        if not isinstance(bcrypt_rounds, int) or isinstance(bcrypt_rounds, bool) or not 4 <= bcrypt_rounds <= 31:
            raise AuthConfigError(f"bcrypt_rounds must be an integer from 4 to 31, got {bcrypt_rounds!r}")
        if pre_authorized is not None and not isinstance(pre_authorized, list):
            raise AuthConfigError("pre_authorized must be a list of emails (it is used up in place)")
        self.source: _DictSource | YamlSource
        if isinstance(credentials, (str, os.PathLike)):
            if pre_authorized is not None:
                raise AuthConfigError("pre_authorized goes into the file (`pre-authorized: emails:`); pass it per call with options= instead")
            self.source = YamlSource(credentials, create=create)
        elif isinstance(credentials, MutableMapping):
            self.source = _DictSource(credentials, pre_authorized, journal)
        else:
            raise AuthConfigError(
                f"credentials must be a dict (Streamlit-Authenticator's config['credentials']) or the path of a YAML file, got {type(credentials).__name__}"
            )
        if settings is None:
            settings = settings_from_env(
                env, registration=registration, allowed_domains=allowed_domains, password_min_length=password_min_length, app_url=app_url
            )
        self.settings = settings
        self.hash_scheme: HashScheme = hash_scheme
        self.bcrypt_rounds = bcrypt_rounds
        self.auto_hash = auto_hash
        self.mail = _mail_queue(mail, mail_from, settings.app_url, env)
        self._warned_plain = False
        self._snapshot()

    # ---- the users ----

    @property
    def path(self) -> str | None:
        """The YAML file's real path, or None for a dict."""
        return self.source.path if isinstance(self.source, YamlSource) else None

    @property
    def credentials(self) -> MutableMapping[str, Any]:
        """The app's dict itself, or a copy of the file's ``credentials``."""
        if isinstance(self.source, _DictSource):
            return self.source.credentials
        root = self.source.root()
        return root["credentials"] if isinstance(root, Mapping) and "credentials" in root else root  # type: ignore[no-any-return]

    def config(self) -> Any:
        """A copy of the whole YAML file (a dict source: its credentials dict)."""
        return self.source.root() if isinstance(self.source, YamlSource) else copy.deepcopy(self.source.credentials)

    def default_sessions(self) -> SessionDatabase:
        """The session store to use with this file: ``<file without .yaml>.sessions.db`` beside a
        YAML file (created 0600), else ``SessionDatabase()`` (``AUTH_SESSIONS_DATABASE_URL``,
        ``AUTH_SESSIONS_DB``, ``auth-sessions.db``)."""
        if self.path is None:
            return SessionDatabase()
        stem, ext = os.path.splitext(self.path)
        return SessionDatabase((stem if ext.lower() in (".yaml", ".yml") else self.path) + ".sessions.db")

    def consumed_emails(self) -> list[str]:
        """With a dict and a ``journal``: the pre-authorized emails (normalized) used up lately, for
        a list the app loads again in every run (see ``_DictSource``)."""
        return self.source.consumed_emails() if isinstance(self.source, _DictSource) else []

    def has_preauthorized_list(self) -> bool:
        """Whether there is a pre-authorized list: the app's (``pre_authorized=``) or the file's
        ``pre-authorized: emails:``."""
        return self._snapshot().preauthorized is not None

    def find_user(self, username: str) -> UserRecord | None:
        return self._snapshot().by_name.get(normalize_username(username))

    def users(self) -> list[UserRecord]:
        return list(self._snapshot().by_name.values())

    def _snapshot(self) -> _Snapshot:
        snapshot = self.source.snapshot()
        if snapshot.plain:
            if self.auto_hash:
                self._hash_plain_passwords()
                snapshot = self.source.snapshot()
            elif not self._warned_plain:
                self._warned_plain = True
                logger.warning(
                    "auth-elements: %d user(s) of %s have a plain text password and auto_hash is off: they cannot sign in until it is hashed",
                    len(snapshot.plain), self.source.where,
                )
        return snapshot

    def _hash_plain_passwords(self) -> None:
        """Replace plain text passwords by hashes (Streamlit-Authenticator's auto_hash), on the
        file as it is now, in one save."""

        def change(doc: _Doc) -> None:
            for entry in doc.users.values():
                value = _password_value(entry)
                if value and not is_hash(value):
                    try:
                        entry["password"] = self.new_hash(value)
                    except AuthError:
                        logger.error("auth-elements: a plain text password in %s is longer than bcrypt takes (72 bytes): left as it is", self.source.where)
                        continue
                    doc.dirty = True

        self.source.update(change)

    # ---- hashes ----

    def new_hash(self, password: str) -> str:
        """The hash of a new password in this file's scheme. bcrypt: more than 72 UTF-8 bytes is
        refused (``weak_password``), never cut."""
        if self.hash_scheme == "argon2id":
            return hash_password(password)
        try:
            return bcrypt_hash(password, self.bcrypt_rounds)
        except (ValueError, UnicodeEncodeError):
            message = f"Use at most {BCRYPT_MAX_BYTES} bytes (about {BCRYPT_MAX_BYTES} letters, fewer with accents or emoji)."
            details = {"reason": "too_many_bytes", "max": BCRYPT_MAX_BYTES}
            raise AuthError("weak_password", message, description=message, details=details) from None

    def _dummy(self) -> str:
        """A hash of a random password in this file's scheme and cost, verified for unknown users
        so that they cost the same work as a wrong password."""
        key = f"bcrypt:{self.bcrypt_rounds}" if self.hash_scheme == "bcrypt" else "argon2id"
        with _dummy_lock:
            if key not in _dummies:
                import secrets

                _dummies[key] = self.new_hash(secrets.token_urlsafe(32))
            return _dummies[key]

    # ---- the credentials (used by Auth) ----

    def check_password(self, username: str, password: str, now: int) -> Identity | None:
        """The identity when the password is right (one verification whatever the case; a user
        without a hash is checked against a dummy one). With ``hash_scheme="argon2id"`` a bcrypt
        or weaker hash that verifies is replaced."""
        user = self._snapshot().by_name.get(normalize_username(username))
        stored = user.password_hash if user is not None and not user.disabled and is_hash(user.password_hash) else None
        ok = verify_password(stored if stored is not None else self._dummy(), password)
        if not ok or user is None or stored is None:
            return None
        if self.hash_scheme == "argon2id" and needs_rehash(stored):
            new = hash_password(password)

            def change(doc: _Doc) -> None:
                found = doc.entry(user.id)
                if found is not None and found[1].get("password") == stored:
                    found[1]["password"] = new
                    doc.dirty = True

            self.source.update(change)
        return user.identity()

    def record_login(self, identity: Identity, now: int) -> None:
        """Nothing: the file's ``logged_in`` and ``failed_login_attempts`` are left as they are
        (sessions and counters live in the session database)."""

    def current_identity(self, identity: Identity, now: int, *, session_id: str = "") -> Identity | None:
        """The user as the file has them now (new name, email, roles), or None when the entry is
        gone or has no password any more."""
        user = self._snapshot().by_name.get(identity.id)
        if user is None or user.disabled:
            return None
        return user.identity()

    # ---- the account operations ----

    @property
    def password_min_length(self) -> int:
        return self.settings.password_min_length

    def _accounts(self, ctx: AccountContext) -> _FileAccounts:
        """The account rules for one call: this file, the call's pre-authorized list, mode and
        domains (``ctx.options``), the session database's tokens."""
        if not isinstance(ctx.sessions, SessionDatabase):
            raise unsupported()
        options = ctx.options
        settings = self.settings
        given = options.get("pre_authorized")
        if given is not None and not isinstance(given, list):
            raise AuthConfigError("options['pre_authorized'] must be a list of emails (it is used up in place)")
        if given is None and isinstance(self.source, _DictSource):
            given = self.source.preauthorized
        mode = options.get("registration")
        if options.get("pre_authorized") is not None:
            mode = "preauthorized"
        if mode is not None:
            settings = dataclasses.replace(settings, registration=mode)
        domains = options.get("domains")
        if domains:
            settings = dataclasses.replace(settings, allowed_domains=normalize_domains([str(d) for d in domains]))
        return _FileAccounts(self, _FileStore(self.source, ctx.sessions, _Preauthorized(given)), settings)

    def register(self, ctx: AccountContext, *, username: str, email: str, password: str, name: str = "", roles: Sequence[str] = ()) -> Registration:
        _validate(ctx, username=username, email=email, name=name, password=password)
        return self._accounts(ctx).register(ctx, username=username, email=email, password=password, name=name, roles=roles)

    def verify_registration(self, ctx: AccountContext, *, token: str, roles: Sequence[str] = ()) -> Registration:
        return self._accounts(ctx).verify_registration(ctx, token=token, roles=roles)

    def change_password(self, ctx: AccountContext, identity: Identity, *, current_password: str, new_password: str) -> None:
        _validate(ctx, password=new_password)
        self._accounts(ctx).change_password(ctx, identity, current_password=current_password, new_password=new_password)

    def request_password_reset(self, ctx: AccountContext, *, login: str) -> PasswordResetRequest:
        return self._accounts(ctx).request_password_reset(ctx, login=login)

    def reset_password(self, ctx: AccountContext, *, token: str, password: str) -> Identity:
        _validate(ctx, password=password)
        return self._accounts(ctx).reset_password(ctx, token=token, password=password)

    def request_username_reminder(self, ctx: AccountContext, *, email: str) -> UsernameReminder:
        return self._accounts(ctx).request_username_reminder(ctx, email=email)

    def update_details(
        self, ctx: AccountContext, identity: Identity, *, name: str | None = None, email: str | None = None, current_password: str | None = None
    ) -> Identity:
        _validate(ctx, name=name, email=email)
        return self._accounts(ctx).update_details(ctx, identity, name=name, email=email, current_password=current_password)


def _validate(ctx: AccountContext, **values: str | None) -> None:
    """A Streamlit-Authenticator ``Validator`` passed with the call (``options["validator"]``):
    its refusals come on top of this package's rules, with that library's messages."""
    validator = ctx.options.get("validator")
    if validator is None:
        return
    username, email, name, password = (values.get(k) for k in ("username", "email", "name", "password"))
    if username is not None and not validator.validate_username(username.strip()):
        raise invalid_input("Username is not valid")
    if name is not None and name.strip() and not validator.validate_name(name.strip()):
        raise invalid_input("Name is not valid")
    if email is not None and not validator.validate_email(email.strip()):
        raise invalid_input("Email is not valid")
    if password is not None and not validator.validate_password(password):
        reason = str(validator.diagnose_password(password)) if hasattr(validator, "diagnose_password") else "Password is not valid"
        raise AuthError("weak_password", reason, description=reason)


__all__ = [
    "BCRYPT_DEFAULT_ROUNDS",
    "UsersFile",
    "UsersFileError",
    "YamlSource",
    "bcrypt_hash",
    "full_name",
    "is_hash",
    "remove_email",
    "split_name",
    "user_record",
    "write_atomically",
]
