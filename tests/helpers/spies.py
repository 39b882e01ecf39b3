"""Test helpers for the hardening tests: a spy on the password hasher."""

from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

from django.contrib.auth.hashers import get_hasher


@contextmanager
def hasher_spy():
    """Spy on the hasher: ``verify`` (a password checked) and ``encode`` (a hash computed).

    Spies on the configured hasher class itself, so every path is seen: ``check_password``,
    ``set_password`` and the dummy hashes for unknown users and unusable passwords.
    ``count()`` is every call (0 means the hasher never ran); ``hashes()`` the hashes
    computed: the test hasher (MD5, like PBKDF2) verifies by encoding again, so one check and
    one dummy hash each count 1.
    """
    cls = type(get_hasher())
    verify, encode = cls.verify, cls.encode
    with (
        mock.patch.object(cls, "verify", autospec=True, side_effect=verify) as verify_spy,
        mock.patch.object(cls, "encode", autospec=True, side_effect=encode) as encode_spy,
    ):
        yield SimpleNamespace(
            verify=verify_spy,
            encode=encode_spy,
            count=lambda: verify_spy.call_count + encode_spy.call_count,
            hashes=lambda: encode_spy.call_count,
        )
