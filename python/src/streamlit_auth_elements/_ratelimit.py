"""Login throttling, as the reference server does it (server/rate-limit.ts).

Failures are counted in the store (several Streamlit processes, and the reference server itself
when one database serves both, share the counters). Every password check first RESERVES its
attempt: the store counts it as a failure on every key, atomically, before the password is
verified, or refuses while a key is blocked. A right password gives the reservation back.

Keys are the server's: ``account:<normalized username>`` and ``address:<client>`` (IPv6 grouped by
/64), with the server's default policies, so a guess counts the same whichever door it came in by.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimitPolicy:
    """From the ``max_failures``-th failure within ``window_seconds`` on, the key is blocked for
    ``base_delay_seconds * 2 ** (extra failures)``, at most ``max_delay_seconds``. Counters expire
    with their window: never a permanent lockout."""

    max_failures: int
    window_seconds: int
    base_delay_seconds: float
    max_delay_seconds: float

    def __post_init__(self) -> None:
        if not (
            self.max_failures >= 1
            and self.window_seconds > 0
            and self.base_delay_seconds > 0
            and self.max_delay_seconds >= self.base_delay_seconds
        ):
            raise ValueError("rate-limit policy numbers must be positive (max_delay_seconds >= base_delay_seconds)")


#: The reference server's defaults (server/config.ts DEFAULT_RATE_LIMIT).
ACCOUNT_POLICY = RateLimitPolicy(max_failures=5, window_seconds=15 * 60, base_delay_seconds=1, max_delay_seconds=15 * 60)
ADDRESS_POLICY = RateLimitPolicy(max_failures=50, window_seconds=15 * 60, base_delay_seconds=1, max_delay_seconds=15 * 60)


@dataclass(frozen=True)
class FailureRecord:
    key: str
    count: int
    window_start: int
    blocked_until: int | None


@dataclass(frozen=True)
class AttemptKey:
    key: str
    policy: RateLimitPolicy


@dataclass(frozen=True)
class AttemptResult:
    """Either ``ok`` with one reservation per key (in the keys' order), or refused with the latest
    block among the blocked keys (nothing was counted)."""

    ok: bool
    reservations: tuple[FailureRecord, ...] = ()
    blocked_until: int | None = None


def block_duration_ms(count: int, policy: RateLimitPolicy) -> int:
    """Block length (ms) after the failure that brought the count to ``count``, or 0."""
    if count < policy.max_failures:
        return 0
    extra = min(count - policy.max_failures, 40)
    return int(round(min(policy.base_delay_seconds * 2**extra, policy.max_delay_seconds) * 1000))


def next_failure(prev: FailureRecord | None, key: str, now: int, policy: RateLimitPolicy) -> FailureRecord:
    """The counter after one more failure at ``now`` (the same arithmetic as the server's)."""
    fresh = prev is None or now >= prev.window_start + policy.window_seconds * 1000
    count = 1 if fresh or prev is None else prev.count + 1
    window_start = now if fresh or prev is None else prev.window_start
    block = block_duration_ms(count, policy)
    return FailureRecord(key=key, count=count, window_start=window_start, blocked_until=now + block if block > 0 else None)


def latest_block(blocked_until: Sequence[int | None], now: int) -> int | None:
    """The latest of the blocks still running at ``now``, or None."""
    running = [b for b in blocked_until if b is not None and b > now]
    return max(running) if running else None


def assert_distinct_keys(keys: Sequence[AttemptKey]) -> None:
    if len({k.key for k in keys}) != len(keys):
        raise ValueError("reserve_attempt: a key is named more than once")


def account_key(normalized_username: str) -> str:
    return f"account:{normalized_username}"


def address_key(address: str) -> str:
    return f"address:{address}"


def address_group(address: str | None) -> str | None:
    """The rate-limit form of a client address: IPv4 as is, IPv4-mapped IPv6 unwrapped, IPv6 by /64.
    None (or anything that is not an IP address) -> None: the attempt then counts per account only."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        groups = ip.exploded.split(":")[:4]
        return ":".join(g.lstrip("0") or "0" for g in groups) + "::/64"
    return str(ip)
