"""Finding English left on a page or in a mail that should be in another language.

The English source strings are the catalogue's msgids: any msgid whose translation differs from
it, found verbatim (a fragment of at least two words between placeholders and tags) in what a
German, French, Spanish or Arabic reader sees, is a string that escaped translation.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["de", "fr", "es", "ar"]
SPLIT = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|<[^>]+>|\{[^}]*\}|\n")
TEXT_ATTRIBUTES = re.compile(
    r'\s(?:aria-label|title|placeholder|alt|aria-description)="([^"]*)"', re.IGNORECASE
)


@cache
def english_fragments(language: str) -> frozenset[str]:
    """Fragments of English msgids that the ``language`` catalogue translates differently."""
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    fragments = set()
    for entry in po:
        translations = [entry.msgstr, *entry.msgstr_plural.values()]
        for source in filter(None, [entry.msgid, entry.msgid_plural]):
            for piece in SPLIT.split(source):
                piece = " ".join(piece.split()).strip(" .,:;!?()")
                if len(piece.split()) < 2 or len(piece) < 10:
                    continue
                if any(piece in " ".join(t.split()) for t in translations):
                    continue  # the translation keeps it (a name, a code, a URL)
                fragments.add(piece)
    return frozenset(fragments)


def visible_text(markup: str) -> str:
    """What a reader sees or hears: text nodes and text attributes, whitespace collapsed."""
    attributes = " ".join(TEXT_ATTRIBUTES.findall(markup))
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    markup = re.sub(r"<!--.*?-->", " ", markup, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(f"{text} {attributes}").split())


def untranslated(language: str, markup: str) -> list[str]:
    """The English fragments found in ``markup`` rendered for ``language``."""
    text = visible_text(markup)
    return sorted(fragment for fragment in english_fragments(language) if fragment in text)
