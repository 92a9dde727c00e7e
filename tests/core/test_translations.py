"""Every translatable string of the project has a Simplified Chinese translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh_catalogs(tmp_path_factory):
    """Re-extract messages into a copy of the tree, so strings added without translation show up."""
    copy = tmp_path_factory.mktemp("tree") / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".data", ".git", "node_modules", "__pycache__"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "-v",
            "0",
            "--ignore",
            "tests/*",
            "--ignore",
            "bench/*",
        ],
        cwd=copy,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "prm.settings.test",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prm",
        },
    )
    return sorted(copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_message_is_translated_to_simplified_chinese(fresh_catalogs):
    assert fresh_catalogs, "no catalogue found"
    missing = []
    for po_path in fresh_catalogs:
        catalog = polib.pofile(str(po_path))
        missing += [
            f"{po_path.parent.parent.parent.parent.name}: {e.msgid!r}"
            for e in catalog.untranslated_entries() + catalog.fuzzy_entries()
        ]
    assert not missing, f"{len(missing)} untranslated: " + "; ".join(missing[:40])
