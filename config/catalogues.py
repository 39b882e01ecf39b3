"""Compile the translation catalogues (``locale/<lang>/LC_MESSAGES/*.po`` → ``.mo``).

``make`` compiles with GNU gettext's ``msgfmt --check`` where it is installed (CI installs
Debian's ``gettext``); a machine without it gets the same ``.mo`` files from polib, so
``make run`` works on a fresh clone. The test run compiles stale catalogues the same way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def stale_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The ``.po`` files whose ``.mo`` is missing or older."""
    stale = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(po)
    return stale


def compile_catalogue(po: Path) -> None:
    mo = po.with_suffix(".mo")
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        subprocess.run([msgfmt, "--check", "-o", str(mo), str(po)], check=True)  # noqa: S603 (our files)
    else:
        import polib

        polib.pofile(str(po)).save_as_mofile(str(mo))


def main(argv: list[str]) -> int:
    for po in stale_catalogues() if "--all" not in argv else LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        compile_catalogue(po)
        print(f"compiled {po.relative_to(LOCALE_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
