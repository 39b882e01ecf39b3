"""Rate specifications in allauth's notation, parsed; no cache and no request here.

``"10/m/ip,5/300s/key"`` means at most 10 per minute per client IP and 5 per 300 seconds per
key. Kept apart from ``accounts.ratelimit`` so ``app_settings`` can validate
``ACCOUNT_RATE_LIMITS`` without importing the counting code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^(\d+)/(\d*)([smhd])/(ip|key|user)$")


@dataclass(frozen=True)
class Rate:
    amount: int
    period: int
    per: str


def parse_rates(spec: str) -> list[Rate]:
    """``"10/m/ip,5/300s/key"`` → ``[Rate(10, 60, "ip"), Rate(5, 300, "key")]``."""
    rates = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        match = _RATE_RE.match(part)
        if not match:
            raise ValueError(f"Bad rate {part!r}")
        amount, count, unit, per = match.groups()
        rates.append(Rate(int(amount), int(count or 1) * _UNITS[unit], per))
    return rates
