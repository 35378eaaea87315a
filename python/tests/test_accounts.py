"""The users database's account operations (register, verify, change/reset/forgot password, forgot
username, update details) on a real SQLite file and a real PostgreSQL: every success and every
refusal with the reference server's codes and messages, what is counted, what is mailed, and the
single-use rules under concurrency (threads, and processes on one database)."""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from streamlit_auth_elements import AccountContext, AccountSettings, AuthError, Identity, RegisterRateLimit, UsersDatabase
from streamlit_auth_elements._accounts import hash_token
from streamlit_auth_elements._users_database import open_store

T0 = 1_700_000_000_000
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new long password"
APP = "https://app.example.com/account?tab=1"


def users_db(database: str, *, mail: Any = None, **settings: Any) -> UsersDatabase:
    return UsersDatabase(store=open_store(database), settings=AccountSettings(**{"app_url": APP, **settings}), mail=mail, env={})


def ctx(users: UsersDatabase, now: int = T0, client: str | None = "203.0.113.9", session_id: str = "") -> AccountContext:
    return AccountContext(sessions=users, client=client, now=now, session_id=session_id)


def refused(fn: Callable[[], Any]) -> AuthError:
    with pytest.raises(AuthError) as err:
        fn()
    return err.value


def run_threads(n: int, fn: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except AuthError as err:
            results[i] = err.code

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def users(database: str) -> Any:
    db = users_db(database, registration="open")
    yield db
    db.store.close()


# ---------------------------------------------------------------------------------- register


def test_an_open_registration_without_mail_creates_the_account_at_once(users: UsersDatabase) -> None:
    done = users.register(ctx(users), username=" Newbie ", email=" New@Example.COM ", password=PASSWORD, name=" New Bie ", roles=["member"])
    assert done == ("Newbie", "New@Example.COM", "New Bie", False)
    user = users.find_user("newbie")
    assert (user.email, user.name, user.roles, user.logins_count) == ("New@Example.COM", "New Bie", ("member",), 0)
    assert users.check_password("NEWBIE", PASSWORD, T0) is not None
    assert users.store.failure("register-address:203.0.113.9").count == 1


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"username": "ab"}, "invalid_input", "The username must have 3 to 64 characters."),
        ({"username": "bad name"}, "invalid_input", 'The username may contain only letters, digits, ".", "_" and "-".'),
        ({"username": "a@b.c"}, "invalid_input", 'The username may contain only letters, digits, ".", "_" and "-".'),
        ({"email": "a@x.com,b@evil.com"}, "invalid_input", 'The email address contains a character that is not allowed (, ; < > ( ) [ ] \\ ").'),
        ({"email": "nobody"}, "invalid_input", 'The email address must contain exactly one "@".'),
        ({"name": "x\u202ey"}, "invalid_input", "The name contains control characters."),
        ({"password": "too short"}, "weak_password", "Use at least 15 characters."),
        ({"password": "x" * 257}, "weak_password", "Use at most 256 characters."),
        ({"password": "1qaz2wsx3edc4rfv"}, "weak_password", "This password is too common; it appears in lists of leaked passwords. Choose another one."),
        ({"username": "averylongusername", "password": "AVeryLongUsername"}, "weak_password", "The password may not be your username."),
        ({"email": "someone.long@example.com", "password": " Someone.Long@Example.com "}, "weak_password", "The password may not be your email address."),
    ],
)
def test_registration_input_refusals_are_the_servers(users: UsersDatabase, fields: dict[str, str], code: str, message: str) -> None:
    data = {"username": "newbie", "email": "new@example.com", "password": PASSWORD, "name": "", **fields}
    err = refused(lambda: users.register(ctx(users), **data))
    assert (err.code, err.message, err.description) == (code, message, message)
    assert users.store.failure("register-address:203.0.113.9") is None, "refused before it counts"


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({"password": "too short"}, {"reason": "too_short", "min": 15}),
        ({"password": "x" * 257}, {"reason": "too_long", "max": 256}),
        ({"password": "1qaz2wsx3edc4rfv"}, {"reason": "common"}),
        ({"username": "averylongusername", "password": "AVeryLongUsername"}, {"reason": "username"}),
        ({"email": "someone.long@example.com", "password": " Someone.Long@Example.com "}, {"reason": "email"}),
    ],
)
def test_a_refused_password_names_its_rule_as_the_server_does(users: UsersDatabase, fields: dict[str, str], details: dict[str, object]) -> None:
    data = {"username": "newbie", "email": "new@example.com", "password": PASSWORD, "name": "", **fields}
    err = refused(lambda: users.register(ctx(users), **data))
    assert (err.code, err.details) == ("weak_password", details)
def test_taken_and_look_alike_usernames_are_taken_whatever_the_email(users: UsersDatabase) -> None:
    users.create_user("alice", PASSWORD, email="alice@example.com")
    for name in ("ALICE", "\u0430lice", "a1ice", "AIice"):
        err = refused(lambda: users.register(ctx(users), username=name, email=f"{len(name)}x@example.com", password=PASSWORD))
        assert (err.code, err.message) == ("username_taken", "This username is taken. Choose another one.")


def test_an_email_that_has_an_account_gets_the_one_generic_refusal(users: UsersDatabase) -> None:
    users.create_user("alice", PASSWORD, email="alice@example.com")
    err = refused(lambda: users.register(ctx(users), username="other", email="ALICE@example.com", password=PASSWORD))
    assert (err.code, err.message) == ("registration_not_allowed", "Registration is not open for this email address.")


def test_closed_preauthorized_and_domain_rules(database: str) -> None:
    closed = users_db(database, registration="closed")
    err = refused(lambda: closed.register(ctx(closed), username="newbie", email="new@example.com", password=PASSWORD))
    assert err.code == "registration_not_allowed"
    assert closed.store.failure("register-address:203.0.113.9") is None, "closed: nothing looked at"
    closed.store.close()

    invited = users_db(database, registration="preauthorized", allowed_domains=("corp.com",))
    try:
        assert refused(lambda: invited.register(ctx(invited), username="stranger", email="x@corp.com", password=PASSWORD)).code == "registration_not_allowed"
        invited.preauthorize(["New.Hire@Corp.com", "out@elsewhere.org"])
        assert refused(lambda: invited.register(ctx(invited), username="outsider", email="out@elsewhere.org", password=PASSWORD)).code == "registration_not_allowed"
        done = invited.register(ctx(invited), username="newhire", email="new.hire@corp.com", password=PASSWORD)
        assert done.verification_sent is False and invited.find_user("newhire") is not None
        assert invited.preauthorized_emails() == ["out@elsewhere.org"], "the invitation is used up"
        again = refused(lambda: invited.register(ctx(invited), username="second", email="new.hire@corp.com", password=PASSWORD))
        assert again.code == "registration_not_allowed"
    finally:
        invited.store.close()


def test_registrations_are_limited_per_client_and_concurrent_ones_cannot_pass_together(database: str) -> None:
    users = users_db(database, registration="open", register_rate_limit=RegisterRateLimit(max=10, window_seconds=3600))
    try:
        # 30 at once from one address (different usernames): exactly 10 get past the counter.
        results = run_threads(30, lambda i: users.register(ctx(users), username=f"user{i:02d}", email=f"u{i}@example.com", password=PASSWORD))
        assert sum(1 for r in results if r == "rate_limited") == 20
        assert sum(1 for r in results if not isinstance(r, str)) == 10
        err = refused(lambda: users.register(ctx(users), username="late", email="late@example.com", password=PASSWORD))
        assert err.code == "rate_limited" and err.message == "Too many registrations from this address. Try again later."
        assert err.retry_after == 3600
        # Another address still may; without a known address, everyone shares one counter.
        users.register(ctx(users, client="198.51.100.1"), username="other", email="o@example.com", password=PASSWORD)
        users.register(ctx(users, client=None), username="nobody1", email="n1@example.com", password=PASSWORD)
        assert users.store.failure("register-address:unknown").count == 1
    finally:
        users.store.close()


def test_with_mail_registration_proves_the_mailbox_and_answers_the_same_for_every_email(database: str) -> None:
    users = users_db(database, registration="preauthorized", mail="outbox")
    try:
        users.create_user("alice", PASSWORD, email="alice@example.com", name="Alice")
        users.preauthorize(["invited@example.com"])
        answers = [
            users.register(ctx(users), username="invitee", email="invited@example.com", password=PASSWORD, name="In Vitee"),
            users.register(ctx(users), username="stranger", email="stranger@example.com", password=PASSWORD),
            users.register(ctx(users), username="copycat", email="alice@example.com", password=PASSWORD),
        ]
        assert [a.verification_sent for a in answers] == [True, True, True]
        assert users.find_user("invitee") is None, "no account before the link comes back"
        assert users.mail is not None and users.mail.idle(30)
        mails = users.outbox()
        assert sorted((m.to, m.subject) for m in mails) == [
            ("alice@example.com", "Someone tried to register with your email address"),
            ("invited@example.com", "Finish creating your account"),
        ]
        invite = next(m for m in mails if m.to == "invited@example.com")
        code = invite.text.split("Or paste this code into the registration form:\n\n")[1].split("\n")[0]
        assert f"https://app.example.com/account?tab=1&verify_token={code}" in invite.text
        assert "within 30 minutes" in invite.text and "<a href=" in (invite.html or "")
        assert users.store.find_pending_registration(hash_token(code)) is not None, "stored as SHA-256"
        done = users.verify_registration(ctx(users), token=f"  {code}\n")
        assert done == ("invitee", "invited@example.com", "In Vitee", False)
        assert users.check_password("invitee", PASSWORD, T0) is not None
        assert users.preauthorized_emails() == []
        for token in (code, "x" * 43, "short"):
            err = refused(lambda: users.verify_registration(ctx(users), token=token))
            assert (err.code, err.message) == (
                "verification_token_invalid",
                "This registration link or code is invalid, expired or already used. Register again.",
            )
        assert users.store.failure("forgot-address:203.0.113.9").count == 3, "wrong codes count per address"
    finally:
        users.store.close()


def test_a_registration_code_works_once_under_concurrency(database: str) -> None:
    users = users_db(database, registration="open", mail="outbox")
    try:
        users.register(ctx(users), username="racer", email="racer@example.com", password=PASSWORD)
        assert users.mail is not None and users.mail.idle(30)
        code = users.outbox()[0].text.split("registration form:\n\n")[1].split("\n")[0]
        results = run_threads(12, lambda i: users.verify_registration(ctx(users, client=f"198.51.100.{i}"), token=code))
        assert sum(1 for r in results if not isinstance(r, str)) == 1
        assert sorted(set(r for r in results if isinstance(r, str))) == ["verification_token_invalid"]
    finally:
        users.store.close()


# ---------------------------------------------------------------------------------- passwords


def signed_in(users: UsersDatabase, username: str = "alice") -> tuple[Identity, list[str]]:
    user = users.create_user(username, PASSWORD, email=f"{username}@example.com", name=username.title())
    sessions = [f"{username}-session-{i}".ljust(22, "x") for i in range(3)]
    for sid in sessions:
        users.create_session(sid, user.identity(), T0 + 3_600_000, T0)
    return user.identity(), sessions


def test_change_password_checks_the_current_one_through_the_throttle_and_keeps_only_this_session(users: UsersDatabase) -> None:
    me, sessions = signed_in(users)
    weak = refused(lambda: users.change_password(ctx(users, session_id=sessions[0]), me, current_password="wrong one", new_password="short"))
    assert weak.code == "weak_password"
    assert users.store.failure("account:alice") is None, "the policy refuses first, nothing counted"
    wrong = refused(lambda: users.change_password(ctx(users, session_id=sessions[0]), me, current_password="wrong one", new_password=NEW_PASSWORD))
    assert (wrong.code, wrong.message) == ("invalid_credentials", "The current password is wrong.")
    assert users.store.failure("account:alice").count == 1
    assert users.store.failure("address:203.0.113.9").count == 1
    users.change_password(ctx(users, session_id=sessions[0]), me, current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert users.check_password("alice", NEW_PASSWORD, T0) is not None
    assert users.store.failure("account:alice") is None, "a right password clears the account's failures"
    assert [users.resume_session(s, me.id, T0 + 1) is not None for s in sessions] == [True, False, False]


def test_change_password_is_refused_when_the_account_is_blocked(users: UsersDatabase) -> None:
    me, sessions = signed_in(users)
    for _ in range(5):
        refused(lambda: users.change_password(ctx(users), me, current_password="wrong one", new_password=NEW_PASSWORD))
    err = refused(lambda: users.change_password(ctx(users), me, current_password=PASSWORD, new_password=NEW_PASSWORD))
    assert (err.code, err.message) == ("rate_limited", "Too many wrong passwords. Try again later.")
    assert err.retry_after is not None and err.retry_after >= 1
    assert users.check_password("alice", PASSWORD, T0) is not None, "unchanged"


def reset_code(users: UsersDatabase, login: str, now: int = T0, client: str = "203.0.113.9") -> str:
    asked = users.request_password_reset(ctx(users, now=now, client=client), login=login)
    assert asked.code is not None, asked
    return asked.code


def test_forgot_password_without_mail_gives_the_app_a_single_use_code_never_a_password(users: UsersDatabase) -> None:
    me, sessions = signed_in(users)
    asked = users.request_password_reset(ctx(users), login=" ALICE ")
    assert (asked.username, asked.email) == ("alice", "alice@example.com")
    assert asked.code is not None and len(asked.code) == 43
    assert users.check_password("alice", PASSWORD, T0) is not None, "the password did not change"
    assert users.store.find_reset_token(hash_token(asked.code)).user_id == me.id, "stored as SHA-256"
    by_email = users.request_password_reset(ctx(users), login="Alice@Example.com")
    assert by_email.username == "alice"
    weak = refused(lambda: users.reset_password(ctx(users), token=by_email.code or "", password="alice"))
    assert weak.code == "weak_password", "a refused password does not burn the code"
    whose = users.reset_password(ctx(users), token=by_email.code or "", password=NEW_PASSWORD)
    assert whose.id == me.id
    assert users.check_password("alice", NEW_PASSWORD, T0) is not None
    assert all(users.resume_session(s, me.id, T0 + 1) is None for s in sessions), "every session ends"
    for token in (by_email.code, asked.code):
        err = refused(lambda: users.reset_password(ctx(users), token=token or "", password=NEW_PASSWORD + "!"))
        assert (err.code, err.message) == ("reset_token_invalid", "This reset link or code is invalid, expired or already used. Ask for a new one.")


def test_unknown_and_disabled_accounts_get_nothing_and_the_same_answer(users: UsersDatabase) -> None:
    signed_in(users)
    users.create_user("sleeper", PASSWORD, email="sleeper@example.com")
    users.set_disabled(users.find_user("sleeper").id, True)
    for login in ("nobody", "nobody@example.com", "sleeper"):
        assert users.request_password_reset(ctx(users), login=login) == (None, None, None)
    assert users.request_username_reminder(ctx(users), email="nobody@example.com") == (None, None)


def test_reset_codes_expire_and_are_voided_by_a_newer_one_a_password_change_and_an_email_change(users: UsersDatabase) -> None:
    me, sessions = signed_in(users)
    old = reset_code(users, "alice")
    new = reset_code(users, "alice")
    assert refused(lambda: users.reset_password(ctx(users), token=old, password=NEW_PASSWORD)).code == "reset_token_invalid"
    assert refused(lambda: users.reset_password(ctx(users, now=T0 + 30 * 60_000), token=new, password=NEW_PASSWORD)).code == "reset_token_invalid"
    fresh = reset_code(users, "alice")
    users.change_password(ctx(users), me, current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert refused(lambda: users.reset_password(ctx(users), token=fresh, password=PASSWORD + "!")).code == "reset_token_invalid"
    fresh = reset_code(users, "alice")
    users.update_details(ctx(users), me, email="alice.new@example.com", current_password=NEW_PASSWORD)
    assert refused(lambda: users.reset_password(ctx(users), token=fresh, password=PASSWORD + "!")).code == "reset_token_invalid"


def test_forgot_requests_are_throttled_per_address_with_429_and_per_account_silently(users: UsersDatabase) -> None:
    signed_in(users)
    codes = [users.request_password_reset(ctx(users, client=f"198.51.100.{i}"), login="alice").code for i in range(6)]
    assert [c is not None for c in codes] == [True] * 5 + [False], "the 6th request in an hour issues nothing, silently"
    for i in range(30):  # 30 per 15 minutes per address (the server's), every request counted
        users.request_password_reset(ctx(users, client="192.0.2.1"), login=f"nobody{i}")
    err = refused(lambda: users.request_password_reset(ctx(users, client="192.0.2.1"), login="nobody"))
    assert (err.code, err.message) == ("rate_limited", "Too many requests from this address. Try again later.")
    assert refused(lambda: users.reset_password(ctx(users, client="192.0.2.1"), token="x" * 43, password=NEW_PASSWORD)).code == "rate_limited"


@pytest.mark.parametrize("how", ["threads", "processes"])
def test_a_reset_code_works_once_under_concurrency(database: str, tmp_path: Path, how: str) -> None:
    users = users_db(database, registration="open")
    try:
        me, _ = signed_in(users)
        code = reset_code(users, "alice")
        if how == "threads":
            results = run_threads(16, lambda i: users.reset_password(ctx(users, client=f"198.51.100.{i}"), token=code, password=f"{NEW_PASSWORD} {i:02d}"))
            winners = [i for i, r in enumerate(results) if isinstance(r, Identity)]
            assert sorted(set(r for r in results if isinstance(r, str))) == ["reset_token_invalid"]
        else:
            script = (
                "import sys\n"
                "from streamlit_auth_elements import AccountContext, AccountSettings, AuthError, UsersDatabase\n"
                "from streamlit_auth_elements._users_database import open_store\n"
                "db, code, i, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])\n"
                "users = UsersDatabase(store=open_store(db), settings=AccountSettings(), env={})\n"
                "import time\n"
                "time.sleep(max(0.0, start - time.time()))\n"
                "try:\n"
                f"    users.reset_password(AccountContext(sessions=users, client=f'198.51.100.{{i}}', now={T0 + 1}), token=code, password=f'{NEW_PASSWORD} {{i:02d}}')\n"
                "    print('won')\n"
                "except AuthError as err:\n"
                "    print(err.code)\n"
            )
            import time

            start = time.time() + 3
            procs = [
                subprocess.Popen([sys.executable, "-c", script, database, code, str(i), str(start)], stdout=subprocess.PIPE, text=True)
                for i in range(4)
            ]
            outs = [p.communicate(timeout=120)[0].strip() for p in procs]
            winners = [i for i, o in enumerate(outs) if o == "won"]
            assert sorted(set(o for o in outs if o != "won")) == ["reset_token_invalid"], outs
        assert len(winners) == 1
        assert users.check_password("alice", f"{NEW_PASSWORD} {winners[0]:02d}", T0) is not None
    finally:
        users.store.close()


def test_with_mail_the_reset_link_and_code_go_by_mail_only(database: str) -> None:
    users = users_db(database, registration="open", mail="outbox")
    try:
        me, _ = signed_in(users)
        users.create_user("nomail", PASSWORD)
        asked = users.request_password_reset(ctx(users), login="alice")
        assert asked == ("alice", "alice@example.com", None), "the app gets no code when it was mailed"
        assert users.request_password_reset(ctx(users), login="nomail") == (None, None, None), "nowhere to mail it"
        assert users.mail is not None and users.mail.idle(30)
        [mail] = users.outbox()
        assert (mail.to, mail.subject) == ("alice@example.com", "Reset your password")
        code = mail.text.split("Or paste this reset code into the reset form:\n\n")[1].split("\n")[0]
        assert f"https://app.example.com/account?tab=1&reset_token={code}" in mail.text
        users.reset_password(ctx(users), token=code, password=NEW_PASSWORD)
        assert users.mail.idle(30)
        notice = users.outbox()[0]
        assert (notice.to, notice.subject) == ("alice@example.com", "Your password was changed")
        assert 'The password of your account "alice" was reset. Every other session was signed out.' in notice.text
    finally:
        users.store.close()


# ---------------------------------------------------------------------------------- username, details


def test_forgot_username_mails_the_username_and_answers_the_same(database: str) -> None:
    users = users_db(database, registration="open", mail="outbox")
    try:
        signed_in(users)
        assert users.request_username_reminder(ctx(users), email=" ALICE@example.com ") == ("alice", "alice@example.com")
        assert users.request_username_reminder(ctx(users), email="nobody@example.com") == (None, None)
        bad = refused(lambda: users.request_username_reminder(ctx(users), email="not an email"))
        assert (bad.code, bad.description) == ("invalid_input", "The email address may not contain spaces.")
        assert users.mail is not None and users.mail.idle(30)
        [mail] = users.outbox()
        assert (mail.to, mail.subject) == ("alice@example.com", "Your username") and "Your username: alice" in mail.text
    finally:
        users.store.close()


def test_update_details_rules(database: str) -> None:
    users = users_db(database, registration="open", mail="outbox", allowed_domains=("example.com",))
    try:
        me, sessions = signed_in(users)
        users.create_user("bob", PASSWORD, email="bob@example.com")
        renamed = users.update_details(ctx(users), me, name="  Alice Liddell ")
        assert (renamed.name, renamed.email) == ("Alice Liddell", "alice@example.com")
        same = users.update_details(ctx(users), me, email="alice@example.com")
        assert same.email == "alice@example.com", "the same email needs no password"
        cases = [
            ({}, "invalid_input", 'Send "name" and/or "email".'),
            ({"email": "alice.new@example.com"}, "invalid_input", 'The field "current_password" is required to change the email address.'),
            ({"email": "alice@elsewhere.org", "current_password": PASSWORD}, "invalid_input", "Email addresses of this domain are not allowed here."),
            ({"email": "alice.new@example.com", "current_password": "wrong one"}, "invalid_credentials", "The current password is wrong."),
            ({"email": "BOB@example.com", "current_password": PASSWORD}, "email_taken", "Another account uses this email address."),
            ({"name": "x" * 201}, "invalid_input", "The name is longer than 200 characters."),
        ]
        for changes, code, message in cases:
            err = refused(lambda: users.update_details(ctx(users), me, **changes))
            assert (err.code, err.message) == (code, message), changes
        moved = users.update_details(ctx(users), me, email="Alice.Moved@Example.com", current_password=PASSWORD)
        assert moved.email == "Alice.Moved@Example.com"
        assert users.mail is not None and users.mail.idle(30)
        notice = users.outbox()[0]
        assert (notice.to, notice.subject) == ("alice@example.com", "The email address of your account was changed"), "the OLD address is told"
        users.set_disabled(me.id, True)
        assert refused(lambda: users.update_details(ctx(users), me, name="x")).code == "session_expired"
    finally:
        users.store.close()


# ---------------------------------------------------------------------------------- SMTP


def test_mail_goes_out_by_smtp_through_smtplib(tmp_path: Path, smtp_sink: Any) -> None:
    users = UsersDatabase(tmp_path / "auth.db", registration="open", mail=smtp_sink.url, mail_from="My App <app@example.com>", app_url=APP, env={})
    users.create_user("alice", PASSWORD, email="alice@example.com", name="Alice <b>")
    asked = users.request_password_reset(ctx(users), login="alice")
    assert asked.code is None
    [mail] = smtp_sink.wait_for(1)
    assert (mail["from"], mail["to"], mail["subject"]) == ("app@example.com", ["alice@example.com"], "Reset your password")
    message = email.message_from_string(mail["raw"], policy=email.policy.default)
    assert message["From"] == "My App <app@example.com>"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    code = text.split("Or paste this reset code into the reset form:\n\n")[1].split("\n")[0]
    assert text.startswith("Hello Alice <b>,\n") and f"{APP}&reset_token={code}" in text
    assert "<p>Hello Alice &#60;b&#62;,</p>" in html, "names are escaped in the HTML part"
    assert users.reset_password(ctx(users), token=code, password=NEW_PASSWORD).username == "alice"


def test_mail_needs_an_app_url_and_a_valid_smtp_url(tmp_path: Path) -> None:
    from streamlit_auth_elements import AuthConfigError

    with pytest.raises(AuthConfigError, match="app_url"):
        UsersDatabase(tmp_path / "a.db", mail="smtp://127.0.0.1:1", env={})
    with pytest.raises(AuthConfigError, match="smtp://"):
        UsersDatabase(tmp_path / "a.db", mail="http://mail.example.com", app_url=APP, env={})
    with pytest.raises(AuthConfigError, match="fragment"):
        UsersDatabase(tmp_path / "a.db", app_url="https://app.example.com/#x", env={})
    from_env = UsersDatabase(tmp_path / "a.db", env={"AUTH_REGISTRATION": "open", "AUTH_PASSWORD_MIN": "12", "AUTH_ALLOWED_DOMAINS": "@Corp.com, x.org", "AUTH_DEMO": "1"})
    assert (from_env.settings.registration, from_env.settings.password_min_length, from_env.settings.allowed_domains) == ("open", 12, ("corp.com", "x.org"))
    assert from_env.mail is not None and "outbox" in from_env.mail.description
    with pytest.raises(AuthConfigError, match="never allowed|from 8"):
        UsersDatabase(tmp_path / "a.db", env={"AUTH_PASSWORD_MIN": "7"})
