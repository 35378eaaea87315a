"""Streamlit-Authenticator's ``Validator``, checking with this package's rules (the reference
server's): usernames of 3-64 letters, digits, ``.``, ``_`` or ``-``; well-formed emails; names of
at most 200 characters without control characters; passwords by length (``password_min_length``,
15 by default) and not in the common-password list.

Pass a subclass to ``Authenticate(..., validator=MyValidator())`` to refuse more: its
``validate_username``, ``validate_name``, ``validate_email`` and ``validate_password`` (with the
message of ``diagnose_password``) are asked on top of the package's own rules, never instead of
them."""

from __future__ import annotations

import re

from ...._identity import check_email, check_name, check_username
from ...._policy import DEFAULT_PASSWORD_MIN, password_problem


class Validator:
    def __init__(self, password_min_length: int = DEFAULT_PASSWORD_MIN) -> None:
        self.password_min_length = password_min_length

    def validate_username(self, username: str) -> bool:
        return check_username(username).ok

    def validate_name(self, name: str) -> bool:
        return check_name(name).ok

    def validate_email(self, email: str) -> bool:
        return check_email(email).ok

    def validate_length(self, variable: str, min_length: int = 0, max_length: int = 254) -> bool:
        return re.fullmatch(rf".{{{min_length},{max_length}}}", variable, re.DOTALL) is not None

    def validate_password(self, password: str) -> bool:
        return password_problem(password, self.password_min_length) is None

    def diagnose_password(self, password: str) -> str:
        return password_problem(password, self.password_min_length) or ""


__all__ = ["Validator"]
