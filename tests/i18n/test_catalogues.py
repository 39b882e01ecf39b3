"""The translation catalogues are complete and current.

Complete: every msgid of the German, French, Spanish and Arabic catalogues is translated (all
plural forms), none is fuzzy, and each translation keeps the msgid's placeholders. Current: the
catalogues hold exactly the msgids ``makemessages`` extracts from today's code and templates, so
a string added or changed without refreshing them (``make catalogues``) fails here.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["de", "fr", "es", "ar"]
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")


def catalogue(language):
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing"
    return polib.pofile(str(path))


def keys(po):
    return {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in po if not entry.obsolete}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)
    assert len(po) > 300
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    assert po.percent_translated() == 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    wrong = []
    for entry in catalogue(language):
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural)) | set(
                PLACEHOLDER.findall(entry.msgid)
            )
            for form in entry.msgstr_plural.values():
                # A plural form may drop the count ("one"), never add a name.
                if not set(PLACEHOLDER.findall(form)) <= expected:
                    wrong.append(entry.msgid)
        elif set(PLACEHOLDER.findall(entry.msgstr)) != set(PLACEHOLDER.findall(entry.msgid)):
            wrong.append(entry.msgid)
    assert wrong == []


def test_arabic_has_all_six_plural_forms():
    po = catalogue("ar")
    assert "nplurals=6" in po.metadata["Plural-Forms"]
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1, 2, 3, 4, 5], entry.msgid


def test_catalogues_are_current_with_the_code_and_templates(tmp_path):
    """``makemessages`` over a copy of the sources finds exactly the committed msgids."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext is missing: CI installs it (.ci/run), never skips this")
        pytest.skip("needs GNU gettext (apt-get install gettext)")
    for name in ["manage.py", "config", "accounts", "activity", "templates", "locale"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--no-obsolete",
            *[arg for language in LANGUAGES for arg in ("-l", language)],
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
    )
    for language in LANGUAGES:
        fresh = polib.pofile(str(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"))
        committed = catalogue(language)
        assert keys(fresh) - keys(committed) == set(), (
            f"{language}: new strings not in the catalogue"
        )
        assert keys(committed) - keys(fresh) == set(), (
            f"{language}: catalogue has strings no longer used"
        )
