"""Password and username validators beyond Django's."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import app_settings


class MaximumLengthValidator:
    """Refuse absurdly long passwords before they reach the hasher (DoS guard)."""

    def __init__(self, max_length=4096):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self):
        return ngettext(
            "Your password can be up to %(max_length)d character long.",
            "Your password can be up to %(max_length)d characters long.",
            self.max_length,
        ) % {"max_length": self.max_length}


# --- Usernames ------------------------------------------------------------------------------

# Names people trust to speak for the site, plus role mailboxes (RFC 2142) and words that
# would clash with routes or code. Extend with ``ACCOUNT_RESERVED_USERNAMES``.
RESERVED_USERNAMES = frozenset(
    {
        "abuse",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "billing",
        "contact",
        "help",
        "helpdesk",
        "hostmaster",
        "info",
        "mail",
        "mailer-daemon",
        "moderator",
        "noc",
        "no-reply",
        "none",
        "noreply",
        "null",
        "official",
        "owner",
        "postmaster",
        "privacy",
        "root",
        "sa",
        "security",
        "staff",
        "superuser",
        "support",
        "sysadmin",
        "system",
        "undefined",
        "webmaster",
        "www",
    }
)

# Characters that only separate words: "ad.min" and "Ad_Min" are still "admin".
_SEPARATORS = re.compile(r"[.\-_+@]")


def _reserved_form(value):
    return _SEPARATORS.sub("", username_skeleton(value))


def reserved_usernames():
    extra = app_settings.RESERVED_USERNAMES
    return {_reserved_form(name) for name in (*RESERVED_USERNAMES, *extra)}


def validate_username_not_reserved(value):
    """Refuse names of roles and of the site itself, whatever their case, separators or
    look-alike letters (``Ad.Min``, or ``ADMIN`` with a Cyrillic ``A``, U+0410)."""
    if _reserved_form(value) in reserved_usernames():
        raise ValidationError(_("This username is reserved. Choose another one."), code="reserved")


def character_script(char):
    """The script of a letter or digit as the first word of its Unicode name, else ``None``.

    A heuristic, not UAX #24: ``"a"`` → ``"LATIN"``, U+0430 (Cyrillic a) → ``"CYRILLIC"``,
    U+03B1 (Greek alpha) → ``"GREEK"``, ``"中"`` → ``"HAN"``. ASCII digits, marks and
    punctuation belong to every script (``None``).
    """
    if char.isascii():
        return "LATIN" if char.isalpha() else None
    if unicodedata.category(char)[0] not in "LN":
        return None
    name = unicodedata.name(char, "")
    if not name:
        return None
    first = name.split(" ", 1)[0]
    if first == "CJK":
        return "HAN"
    if first in ("KATAKANA-HIRAGANA", "FULLWIDTH", "HALFWIDTH", "MODIFIER"):
        return None
    return first


# Script sets that writing systems combine in everyday names (UTS #39 "highly restrictive").
_ALLOWED_SCRIPT_MIXES = (
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
)


def username_scripts(value):
    return {s for s in map(character_script, unicodedata.normalize("NFKC", value)) if s}


def validate_username_single_script(value):
    """Refuse names mixing scripts, like "paypal" with a Cyrillic "a" (U+0430).

    Such a name looks like another user's; Japanese, Chinese and Korean names may still mix
    Han with their own scripts and Latin.
    """
    scripts = username_scripts(value)
    if len(scripts) <= 1 or any(scripts <= allowed for allowed in _ALLOWED_SCRIPT_MIXES):
        return
    raise ValidationError(
        _("This username mixes letters from different alphabets. Use one alphabet."),
        code="mixed_script",
    )


# Cyrillic and Greek letters that look like Latin ones (a small part of UTS #39's table).
_CONFUSABLES = str.maketrans(
    {
        "\u0430": "a",  # CYRILLIC SMALL LETTER A
        "\u0432": "b",  # CYRILLIC SMALL LETTER VE
        "\u0441": "c",  # CYRILLIC SMALL LETTER ES
        "\u0501": "d",  # CYRILLIC SMALL LETTER KOMI DE
        "\u0435": "e",  # CYRILLIC SMALL LETTER IE
        "\u04bb": "h",  # CYRILLIC SMALL LETTER SHHA
        "\u0456": "i",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
        "\u0458": "j",  # CYRILLIC SMALL LETTER JE
        "\u043a": "k",  # CYRILLIC SMALL LETTER KA
        "\u04cf": "l",  # CYRILLIC SMALL LETTER PALOCHKA
        "\u043c": "m",  # CYRILLIC SMALL LETTER EM
        "\u043d": "h",  # CYRILLIC SMALL LETTER EN
        "\u043e": "o",  # CYRILLIC SMALL LETTER O
        "\u0440": "p",  # CYRILLIC SMALL LETTER ER
        "\u051b": "q",  # CYRILLIC SMALL LETTER QA
        "\u0455": "s",  # CYRILLIC SMALL LETTER DZE
        "\u0442": "t",  # CYRILLIC SMALL LETTER TE
        "\u0475": "v",  # CYRILLIC SMALL LETTER IZHITSA
        "\u051d": "w",  # CYRILLIC SMALL LETTER WE
        "\u0445": "x",  # CYRILLIC SMALL LETTER HA
        "\u0443": "y",  # CYRILLIC SMALL LETTER U
        "\u03b1": "a",  # GREEK SMALL LETTER ALPHA
        "\u03b2": "b",  # GREEK SMALL LETTER BETA
        "\u03b5": "e",  # GREEK SMALL LETTER EPSILON
        "\u03b7": "n",  # GREEK SMALL LETTER ETA
        "\u03b9": "i",  # GREEK SMALL LETTER IOTA
        "\u03ba": "k",  # GREEK SMALL LETTER KAPPA
        "\u03bd": "v",  # GREEK SMALL LETTER NU
        "\u03bf": "o",  # GREEK SMALL LETTER OMICRON
        "\u03c1": "p",  # GREEK SMALL LETTER RHO
        "\u03c4": "t",  # GREEK SMALL LETTER TAU
        "\u03c5": "u",  # GREEK SMALL LETTER UPSILON
        "\u03c7": "x",  # GREEK SMALL LETTER CHI
        "\u03b3": "y",  # GREEK SMALL LETTER GAMMA
        "\u03c9": "w",  # GREEK SMALL LETTER OMEGA
    }
)


def username_skeleton(value):
    """What a name looks like: NFKC, case-folded, look-alike Cyrillic/Greek letters as Latin.

    "ALICE" with a Cyrillic "A" (U+0410) has the skeleton of "alice": two names with one
    skeleton cannot both exist, even when each is in a single script ("ape" in Cyrillic).
    """
    return unicodedata.normalize("NFKC", value).casefold().translate(_CONFUSABLES)
