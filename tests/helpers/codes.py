"""Mailed-code helpers: find the code in a mail, the way a person reads it."""

import re

from django.core import mail

# A code stands on a line of its own: 8 letters of the RFC 8628 alphabet, dashed.
CODE_LINE_RE = re.compile(r"^([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})$", re.M)


def code_in(message) -> str:
    found = CODE_LINE_RE.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def last_code(to: str) -> str:
    """The code of the last mail sent to ``to``."""
    messages = [m for m in mail.outbox if to in m.to]
    assert messages, f"no mail to {to}"
    return code_in(messages[-1])


def wrong_code(right: str) -> str:
    """A well-formed code that differs from ``right``."""
    return "BBBB-BBBB" if right != "BBBB-BBBB" else "CCCC-CCCC"
