"""Mail, as the reference server sends it (server/mail/): the same templates, SMTP configured by the
same kind of URL (``AUTH_SMTP_URL``), or the development outbox (the ``outbox`` table of the users
database, which the server's demo mailbox shows).

SMTP goes through Python's own ``smtplib`` and ``email`` packages (no hand-written protocol):
``smtp://user:pass@host:587`` uses STARTTLS when the server offers it (``?requireTLS=true``
refuses to send without it), ``smtps://user:pass@host:465`` is TLS from the start; certificates are
verified (``ssl.create_default_context``).

Mails go out in the background (one worker thread per mailer): the answer to a forgot request
neither waits for nor depends on SMTP, whose timing would tell which accounts exist. A failure is
logged with the error's type only, never the body or a token.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ._errors import AuthConfigError

logger = logging.getLogger("streamlit_auth_elements")

DEFAULT_MAIL_FROM = "auth-elements <no-reply@localhost>"


@dataclass(frozen=True)
class MailMessage:
    """One message: one validated recipient, a fixed subject, a text body and an HTML alternative
    (every interpolated value HTML-escaped by its template)."""

    to: str
    subject: str
    text: str
    html: str | None = None


@runtime_checkable
class Mailer(Protocol):
    """Delivers one message or raises. ``description`` (no secrets) is for logs."""

    description: str

    def deliver(self, message: MailMessage) -> None: ...


# ---------------------------------------------------------------------------------- templates
# server/mail/templates.ts, text for text.


def escape_html(value: str) -> str:
    return "".join(f"&#{ord(c)};" if c in "&<>\"'" else c for c in value)


def _html(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">{body}</body></html>'


def _greeting(name: str) -> str:
    return "Hello," if name.strip() == "" else f"Hello {name},"


def app_link(app_url: str, param: str, token: str) -> str:
    """``<app_url>?<param>=<token>``, keeping any query the URL has (URL.searchParams.set)."""
    parts = urlsplit(app_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, token))
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def reset_link(app_url: str, token: str) -> str:
    return app_link(app_url, "reset_token", token)


def verify_link(app_url: str, token: str) -> str:
    return app_link(app_url, "verify_token", token)


def _link_mail(
    *, subject: str, intro: str, open_: str, action: str, paste: str, outro: str, to: str, name: str, link: str, token: str, ttl_minutes: int
) -> MailMessage:
    opening = open_.replace("{minutes}", str(ttl_minutes))
    text = "\n".join([_greeting(name), "", intro, opening, "", link, "", f"{paste}:", "", token, "", outro])
    return MailMessage(
        to=to,
        subject=subject,
        text=text,
        html=_html(
            [
                escape_html(_greeting(name)),
                intro,
                f'<a href="{escape_html(link)}">{action}</a> (within {escape_html(str(ttl_minutes))} minutes).',
                f"{paste}: <code>{escape_html(token)}</code>",
                outro,
            ]
        ),
    )


def reset_password_mail(*, to: str, name: str, link: str, token: str, ttl_minutes: int) -> MailMessage:
    return _link_mail(
        subject="Reset your password",
        intro="Someone (hopefully you) asked to reset the password of your account.",
        open_="Open this link within {minutes} minutes to choose a new password:",
        action="Choose a new password",
        paste="Or paste this reset code into the reset form",
        outro="The link works once. If you did not ask for it, ignore this mail: your password stays as it is.",
        to=to, name=name, link=link, token=token, ttl_minutes=ttl_minutes,
    )


def registration_mail(*, to: str, name: str, link: str, token: str, ttl_minutes: int) -> MailMessage:
    return _link_mail(
        subject="Finish creating your account",
        intro="Someone (hopefully you) asked to create an account with this email address.",
        open_="Open this link within {minutes} minutes to finish creating it:",
        action="Finish creating your account",
        paste="Or paste this code into the registration form",
        outro="The link works once. If you did not ask for it, ignore this mail: no account is created.",
        to=to, name=name, link=link, token=token, ttl_minutes=ttl_minutes,
    )


def username_reminder_mail(*, to: str, name: str, username: str) -> MailMessage:
    asked = "Someone (hopefully you) asked for the username of the account with this email address."
    ignore = "If you did not ask for it, you can ignore this mail."
    return MailMessage(
        to=to,
        subject="Your username",
        text="\n".join([_greeting(name), "", asked, "", f"Your username: {username}", "", ignore]),
        html=_html([escape_html(_greeting(name)), asked, f"Your username: <strong>{escape_html(username)}</strong>", ignore]),
    )


def _notice_mail(to: str, name: str, subject: str, line: str, warn: str) -> MailMessage:
    return MailMessage(
        to=to,
        subject=subject,
        text="\n".join([_greeting(name), "", line, "", warn]),
        html=_html([escape_html(_greeting(name)), escape_html(line), warn]),
    )


def email_changed_mail(*, to: str, name: str, username: str, new_email: str) -> MailMessage:
    return _notice_mail(
        to,
        name,
        "The email address of your account was changed",
        f'The email address of your account "{username}" was changed to {new_email}.',
        "If you did not do this, reset your password at once and contact the administrator.",
    )


def registration_exists_mail(*, to: str, name: str, username: str) -> MailMessage:
    return _notice_mail(
        to,
        name,
        "Someone tried to register with your email address",
        f'Someone (hopefully you) asked to create a new account with this email address, which already belongs to your account "{username}". No new account was created.',
        'If it was you, log in, or use "forgot password" if you do not remember it. If not, you can ignore this mail.',
    )


def password_changed_mail(*, to: str, name: str, username: str, how: str) -> MailMessage:
    return _notice_mail(
        to,
        name,
        "Your password was changed",
        f'The password of your account "{username}" was {how}. Every other session was signed out.',
        'If you did not do this, use "forgot password" at once and contact the administrator.',
    )


# ---------------------------------------------------------------------------------- mailers


def redact_smtp_url(url: str) -> str:
    """The URL without its password, for logs."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    except ValueError:
        return "(invalid SMTP URL)"


class SmtpMailer:
    """SMTP by URL, through smtplib (a new connection per message)."""

    def __init__(self, url: str, sender: str = DEFAULT_MAIL_FROM, *, timeout: float = 30.0):
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise AuthConfigError("the SMTP URL (AUTH_SMTP_URL) must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
        options = {k.lower(): v.lower() for k, v in parse_qsl(parts.query)}
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = port or (465 if self._implicit_tls else 587)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else ""
        self._require_tls = options.get("requiretls") in ("true", "1", "yes")
        self._timeout = timeout
        name, address = parseaddr(sender)
        if "@" not in address:
            raise AuthConfigError(f"mail_from (AUTH_MAIL_FROM) must be an address, e.g. 'App <no-reply@example.com>', got {sender!r}")
        self._sender = formataddr((name, address)) if name else address
        self.description = f"SMTP {redact_smtp_url(url)}"

    def deliver(self, message: MailMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.text)
        if message.html is not None:
            mail.add_alternative(message.html, subtype="html")
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self._implicit_tls:
            smtp = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with smtp:
            smtp.ehlo()
            if not self._implicit_tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif self._require_tls:
                    raise smtplib.SMTPNotSupportedError("the SMTP server does not offer STARTTLS and requireTLS is set")
            if self._user is not None:
                smtp.login(self._user, self._password)
            smtp.send_message(mail)


class OutboxMailer:
    """The development outbox: messages go to the users database's ``outbox`` table, which the
    reference server's demo mailbox shows (GET /api/dev/outbox) and ``list_outbox`` reads. It holds
    live reset links in clear text: for development only."""

    description = "development outbox (the outbox table of the users database)"

    def __init__(self, add: Callable[[str, str, str, str | None, int], None], clock: Callable[[], int]):
        self._add = add
        self._clock = clock

    def deliver(self, message: MailMessage) -> None:
        self._add(message.to, message.subject, message.text, message.html, self._clock())


class MailQueue:
    """Sends in the background (one worker per mailer); ``idle`` waits for what was started."""

    def __init__(self, mailer: Mailer):
        self.mailer = mailer
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="auth-elements-mail")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        return self.mailer.description

    def send(self, message: MailMessage, label: str) -> None:
        def run() -> None:
            try:
                self.mailer.deliver(message)
            except Exception as err:  # noqa: BLE001 - logged, never raised into the request
                logger.error("auth-elements: sending the %s mail failed (%s)", label, type(err).__name__)

        future = self._executor.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def idle(self, timeout: float | None = 30.0) -> bool:
        """Wait until every mail started so far went out or failed; False on time-out."""
        with self._lock:
            pending = set(self._pending)
        done, not_done = wait(pending, timeout=timeout)
        return not not_done
