"""``python -m streamlit_auth_elements create-superuser``: the first superuser of a users database,
with the semantics of the reference server's ``auth-admin create-superuser`` (server/cli.ts): a user
with the role ``admin``; the password is read from standard input when it is piped (or with
``--password-stdin``), else asked for twice on the terminal without echo; the password policy, the
username rules and the look-alike check apply.

Errors end the process with a one-line message and a non-zero status, never a stack trace: 2 for
usage errors, 1 for everything else (``AUTH_ADMIN_DEBUG=1`` prints the stack).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn, TextIO

from ._backend import SUPERUSER_ROLE
from ._errors import AuthError
from ._identity import check_email, check_name, check_username
from ._policy import password_problem, settings_from_env
from ._records import DuplicateUserError

PROG = "python -m streamlit_auth_elements"
MAX_STDIN = 64 * 1024


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message}\n{self.format_usage().rstrip()}", 2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Administration of a streamlit-auth-elements users database (the reference server's tables).",
        epilog="The database: --db FILE or URL, else AUTH_DATABASE_URL (PostgreSQL), else AUTH_DB, else auth.db.",
    )
    commands = parser.add_subparsers(dest="command", metavar="command", parser_class=_Parser)
    create = commands.add_parser(
        "create-superuser",
        help=f'create a user with the role "{SUPERUSER_ROLE}" (the password is read from standard input when piped, else asked for without echo)',
    )
    create.add_argument("--db", help="SQLite file, or postgresql:// URL")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    return parser


def _read_stdin(stdin: TextIO) -> str:
    text = stdin.read(MAX_STDIN + 1)
    if len(text) > MAX_STDIN:
        raise CliError("standard input is too long for a password")
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _read_password(from_stdin: bool, stdin: TextIO, stderr: TextIO) -> str:
    if from_stdin or not stdin.isatty():
        password = _read_stdin(stdin)
        if password == "":
            raise CliError("no password on standard input")
        return password
    try:
        first = getpass.getpass("Password: ", stream=stderr)
        second = getpass.getpass("Repeat password: ", stream=stderr)
    except (EOFError, KeyboardInterrupt):
        raise CliError("cancelled", 130) from None
    if first != second:
        raise CliError("the passwords differ")
    return first


def create_superuser(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO, env: dict[str, str]) -> None:
    from ._users_database import UsersDatabase, open_store

    username = check_username(args.username)
    if not username.ok:
        raise CliError(f"username: {username.reason}")
    email = check_email(args.email)
    if not email.ok:
        raise CliError(f"email: {email.reason}")
    name = check_name(args.name)
    if not name.ok:
        raise CliError(f"name: {name.reason}")
    settings = settings_from_env(env)
    database = args.db or env.get("AUTH_DATABASE_URL") or env.get("AUTH_DB") or "auth.db"
    def warn(message: str) -> None:
        stderr.write(f"{PROG}: warning: {message}\n")

    store = open_store(database, warn=warn)
    try:
        users = UsersDatabase(store=store, settings=settings, env={})
        if users.find_user(username.value) is not None:
            raise CliError(
                f"a user named {username.value} exists already (make it a superuser on the admin page, "
                f"or with: auth-admin set-roles {username.value} {SUPERUSER_ROLE})"
            )
        lookalike = store.find_confusable_user(username.value)
        if lookalike is not None:
            raise CliError(
                f"username {username.value} looks like the existing user {lookalike.username} (confusable characters): choose another one"
            )
        password = _read_password(args.password_stdin, stdin, stderr)
        problem = password_problem(password, settings.password_min_length, username=username.value, email=email.value)
        if problem is not None:
            raise CliError(f"password refused: {problem}")
        try:
            users.create_user(username.value, password, name=name.value, email=email.value, roles=[SUPERUSER_ROLE])
        except DuplicateUserError as err:  # created meanwhile by someone else
            raise CliError(f"another user has the email {email.value}" if err.field == "email" else str(err)) from None
        stdout.write(f"created superuser {username.value} (roles: {SUPERUSER_ROLE})\n")
    finally:
        store.close()


def main(argv: Sequence[str], *, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
         env: dict[str, str] | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    env = dict(os.environ) if env is None else env
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
        if args.command is None:
            raise CliError(f"no command given\n{parser.format_usage().rstrip()}", 2)
        create_superuser(args, stdin, stdout, stderr, env)
        return 0
    except CliError as err:
        stderr.write(f"{PROG}: {err}\n")
        return err.exit_code
    except AuthError as err:
        stderr.write(f"{PROG}: {err.description or err.message}\n")
        return 1
    except SystemExit as err:  # --help
        return int(err.code or 0)
    except Exception as err:  # noqa: BLE001 - one line, no stack trace
        stderr.write(f"{PROG}: error: {err}\n")
        if env.get("AUTH_ADMIN_DEBUG") == "1":
            stderr.write(traceback.format_exc())
        return 1
