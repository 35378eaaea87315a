"""What identifies an account, compared exactly as the reference server compares it
(server/identity.ts, server/store/types.ts), so a users database shared with the server agrees on
who is who: usernames NFKC + lower case; emails trimmed, NFKC, lower case; new usernames and emails
validated by the server's rules; confusable usernames (Unicode TR39 skeletons) refused.

The skeleton table is Unicode 13.0.0's confusables.txt as the ``unhomoglyph`` npm package ships it
parsed (``_confusables.json``, the very file the server reads; MIT licence, data under the Unicode
licence). Python's ``unicodedata`` and Node's ICU may be of different Unicode versions: for
characters newer than the older of the two, NFKC can differ (such names are rare; the
cross-language test compares a set of hard cases).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

MAX_EMAIL_LENGTH = 254
MIN_USERNAME_LENGTH = 3
MAX_USERNAME_LENGTH_NEW = 64
MAX_NAME_LENGTH = 200

_CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_EMAIL_BAD = re.compile(r'[,;<>()\[\]\\"]')
_LOCAL_EXTRA = set("!#$%&'*+/=?^_`{|}~.-")


#: What JavaScript's String.prototype.trim removes (WhiteSpace and LineTerminator). Python's
#: str.strip() differs: it also strips U+001C-U+001F and U+0085, and keeps U+FEFF.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def js_trim(text: str) -> str:
    """``text.trim()`` as the server (JavaScript) does it."""
    return text.strip(_JS_SPACE)


def normalize_username(username: str) -> str:
    """The form usernames are compared in: NFKC, then lower case."""
    return unicodedata.normalize("NFKC", username).lower()


def normalize_email(email: str) -> str:
    """The form emails are compared and kept unique in: trimmed, NFKC, trimmed, lower case."""
    return js_trim(unicodedata.normalize("NFKC", js_trim(email))).lower()


def _is_letter_or_digit(ch: str) -> bool:
    # JavaScript's \p{L} and \p{N}
    return unicodedata.category(ch)[0] in ("L", "N")


@dataclass(frozen=True)
class Checked:
    ok: bool
    value: str = ""
    reason: str = ""


def check_username(raw: str) -> Checked:
    """A new username: after NFKC, 3-64 letters, digits, ".", "_" or "-"."""
    username = unicodedata.normalize("NFKC", js_trim(raw))
    if not MIN_USERNAME_LENGTH <= len(username) <= MAX_USERNAME_LENGTH_NEW:
        return Checked(False, reason=f"The username must have {MIN_USERNAME_LENGTH} to {MAX_USERNAME_LENGTH_NEW} characters.")
    if not all(_is_letter_or_digit(c) or c in "._-" for c in username) or normalize_username(username) == "":
        return Checked(False, reason='The username may contain only letters, digits, ".", "_" and "-".')
    return Checked(True, username)


def check_email(raw: str) -> Checked:
    """The email as it will be stored (trimmed + NFKC, case kept), or why it is refused."""
    if _CONTROL.search(raw):
        return Checked(False, reason="The email address contains control characters.")
    email = unicodedata.normalize("NFKC", js_trim(raw))
    if _CONTROL.search(email):
        return Checked(False, reason="The email address contains control characters.")
    if email == "":
        return Checked(False, reason="The email address is empty.")
    if len(email) > MAX_EMAIL_LENGTH:
        return Checked(False, reason=f"The email address is longer than {MAX_EMAIL_LENGTH} characters.")
    if any(c.isspace() for c in email):
        return Checked(False, reason="The email address may not contain spaces.")
    if _EMAIL_BAD.search(email):
        return Checked(False, reason='The email address contains a character that is not allowed (, ; < > ( ) [ ] \\ ").')
    parts = email.split("@")
    if len(parts) != 2:
        return Checked(False, reason='The email address must contain exactly one "@".')
    local, domain = parts
    if (
        local == ""
        or len(local) > 64
        or not all(_is_letter_or_digit(c) or c in _LOCAL_EXTRA for c in local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        return Checked(False, reason='The part of the email address before "@" is not valid.')
    labels = domain.split(".")

    def label_ok(label: str) -> bool:
        return (
            0 < len(label) <= 63
            and _is_letter_or_digit(label[0])
            and _is_letter_or_digit(label[-1])
            and all(_is_letter_or_digit(c) or c == "-" for c in label)
        )

    if len(labels) < 2 or not all(label_ok(label) for label in labels):
        return Checked(False, reason="The domain of the email address is not valid.")
    return Checked(True, email)


def check_name(raw: str) -> Checked:
    """A display name: trimmed, NFC, no control characters, at most 200 characters."""
    if _CONTROL.search(raw):
        return Checked(False, reason="The name contains control characters.")
    name = unicodedata.normalize("NFC", js_trim(raw))
    if len(name) > MAX_NAME_LENGTH:
        return Checked(False, reason=f"The name is longer than {MAX_NAME_LENGTH} characters.")
    return Checked(True, name)


_confusables: dict[str, str] | None = None


def _table() -> dict[str, str]:
    global _confusables
    if _confusables is None:
        text = resources.files(__package__).joinpath("_confusables.json").read_text(encoding="utf-8")
        _confusables = json.loads(text)
    return _confusables


def _skeleton_round(text: str) -> str:
    table = _table()
    out = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", out).lower()


def confusable_skeleton(text: str) -> str:
    """The TR39 skeleton of ``text``, compared without case (rounds until nothing changes)."""
    current = text
    for _ in range(8):
        following = _skeleton_round(current)
        if following == current:
            break
        current = following
    return current


def username_skeletons(username: str) -> list[str]:
    """The skeletons of its lower-case form and of its form as typed (one when they agree)."""
    lower = confusable_skeleton(normalize_username(username))
    typed = confusable_skeleton(unicodedata.normalize("NFKC", username))
    return [lower] if lower == typed else [lower, typed]


def plan_skeleton_backfill(users_oldest_first: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str | None]:
    """Migration 3's back-fill: (skeleton, user id) rows, a skeleton going to the oldest holder, and
    one warning line naming the pairs that already look alike (or None)."""
    holder: dict[str, tuple[str, str]] = {}
    rows: list[tuple[str, str]] = []
    pairs: list[str] = []
    for user_id, username in users_oldest_first:
        older: set[str] = set()
        for skeleton in username_skeletons(username):
            first = holder.get(skeleton)
            if first is None:
                holder[skeleton] = (user_id, username)
                rows.append((skeleton, user_id))
            elif first[0] != user_id and first[0] not in older:
                older.add(first[0])
                pairs.append(f"{json.dumps(username, ensure_ascii=False)} looks like {json.dumps(first[1], ensure_ascii=False)}")
    warning = None
    if pairs:
        warning = (
            f"existing usernames look alike (confusable characters, issue 6 item 15): {', '.join(pairs)}. "
            "Both accounts of each pair keep working; the oldest holds the name for the look-alike check of new usernames. "
            "Check that the newer one is not an impersonation."
        )
    return rows, warning
