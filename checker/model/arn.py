"""Amazon Resource Names, read also when parts are unknown (`arn:aws:iam::${ProdAccount}:role/deploy`)."""

from __future__ import annotations

import re

from checker.model.values import Unknown, as_text
from checker.model.record import record

_ACCOUNT = re.compile(r"\d{12}")
_PLACEHOLDER = re.compile(r"\$\{[^}]+\}")


@record()
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def account_is_placeholder(self) -> bool:
        return bool(_PLACEHOLDER.fullmatch(self.account))


def parse_arn(value: object) -> Arn | None:
    """The parts of an ARN (known or `${...}` placeholders), or None when the value is not an ARN."""
    text = as_text(value)
    if not text or not text.startswith("arn:"):
        return None
    parts = _split(text)
    if len(parts) < 6:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], ":".join(parts[5:]))


def _split(text: str) -> list[str]:
    """Split on ':' outside `${...}` placeholders (which may hold `AWS::AccountId`)."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "{" and current and current[-1] == "$":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if char == ":" and not depth:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def account_of(value: object) -> str | Unknown | None:
    """The account an ARN names: 12 digits, or an Unknown whose text is the placeholder (`${ProdAccount}`)."""
    arn = parse_arn(value)
    if arn is None:
        if isinstance(value, Unknown):
            return Unknown(value.reason)
        return None
    if _ACCOUNT.fullmatch(arn.account):
        return arn.account
    if arn.account_is_placeholder:
        reason = value.reason if isinstance(value, Unknown) else f"the account is {arn.account}"
        return Unknown(reason, arn.account)
    if not arn.account:
        return Unknown("the ARN has no account id")
    return Unknown(f"'{arn.account}' is not a 12-digit account id", arn.account)


def same_account(a: object, b: object) -> bool | None:
    """Equal accounts: known when both are literal, or the same unresolved value (`${AWS::AccountId}` twice)."""
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, Unknown) and isinstance(b, Unknown) and a.text is not None and a.text == b.text:
        return True
    return None


def describe(account: object) -> str:
    """An account for a message: the number, or its unresolved text with the reason."""
    if isinstance(account, str):
        return account
    if isinstance(account, Unknown):
        return f"{account.text} (unknown: {account.reason})" if account.text else f"unknown ({account.reason})"
    return "unknown"
