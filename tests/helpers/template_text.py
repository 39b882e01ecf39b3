"""Find visible text in a template's source that is not inside a translation tag.

Render-independent: the template is never rendered, so every branch is checked. What is left
after removing comments, ``{% blocktranslate %}…{% endblocktranslate %}`` blocks and every other
``{% %}`` / ``{{ }}`` tag is parsed as HTML; text nodes and the attributes a person reads or hears
(``aria-label``, ``title``, ``placeholder``, ``alt``, a button's ``value``) must hold no letters.
``<script>``/``<style>`` bodies are not visible text (and pages have none under the CSP).
"""

import re
from html.parser import HTMLParser

VISIBLE_ATTRIBUTES = {"aria-label", "aria-description", "title", "placeholder", "alt", "label"}
_COMMENT_BLOCK = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
_COMMENT = re.compile(r"{#.*?#}", re.S)
_BLOCKTRANSLATE = re.compile(
    r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S
)
_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_LETTER = re.compile(r"[^\W\d_]")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            visible = name in VISIBLE_ATTRIBUTES or (
                name == "value"
                and tag == "input"
                and attributes.get("type") in ("submit", "button", "reset")
            )
            if visible and value and _LETTER.search(value):
                self.found.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth and _LETTER.search(data):
            self.found.append(" ".join(data.split()))


def untranslated_text(source: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The pieces of visible text in ``source`` outside translation tags, minus ``allowed``."""
    for pattern in (_COMMENT_BLOCK, _COMMENT, _BLOCKTRANSLATE, _TAG):
        # A tag is replaced by a space so that text on either side stays apart.
        source = pattern.sub(" ", source)
    collector = _TextCollector()
    collector.feed(source)
    collector.close()
    return [text for text in collector.found if text not in allowed]
