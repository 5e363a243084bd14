"""docs/configuration.md lists every setting exactly as settings.py defines it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from grouplink import settings_doc
from grouplink.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# Variables the docs name that are not settings: the test suite's own, and the
# example client's in docs/api.md.
NOT_SETTINGS = {"GROUPLINK_URL", "GROUPLINK_TOKEN", "GROUPLINK_PHONE_ID"}
NOT_SETTINGS_PREFIXES = ("GROUPLINK_TEST_", "GROUPLINK_FUZZ_")


def test_the_table_is_what_settings_py_renders() -> None:
    text = settings_doc.DOC.read_text()
    assert settings_doc.render_into(text) == text, (
        f"docs/configuration.md is out of date: run {settings_doc.COMMAND}"
    )


def test_every_setting_has_a_row_with_a_description() -> None:
    table = settings_doc.render_table()
    for name, info in Settings.model_fields.items():
        assert info.description and len(info.description) > 20, f"{name} needs a description"
        assert f"| `GROUPLINK_{name.upper()}` |" in table
    assert "| `GROUPLINK_CODE_SENDER` | `log` |" in table
    assert "| `GROUPLINK_SANDBOX` | unset |" in table
    assert "| `GROUPLINK_REDIS_URL` | empty |" in table
    assert "`GROUPLINK_MAX_PARTICIPANTS` | `8` | Participants per group" in table
    assert "At least 1." in table and "One of `inline`, `off`." in table


def test_check_fails_on_a_stale_table_and_says_what_to_run(tmp_path: Path) -> None:
    stale = tmp_path / "configuration.md"
    fresh = settings_doc.DOC.read_text()
    stale.write_text(fresh.replace("| `GROUPLINK_PORT` | `8000` |", "| `GROUPLINK_PORT` | `80` |"))
    ran = subprocess.run(
        [sys.executable, "-m", "grouplink.settings_doc", "--check", str(stale)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 1
    assert ran.stderr.strip() == f"{stale} is out of date: run {settings_doc.COMMAND}"
    rewrite = [sys.executable, "-m", "grouplink.settings_doc", str(stale)]
    assert subprocess.run(rewrite, capture_output=True, check=False).returncode == 0
    assert stale.read_text() == fresh


def test_the_docs_name_no_setting_that_does_not_exist() -> None:
    known = {f"GROUPLINK_{name.upper()}" for name in Settings.model_fields}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for found in re.findall(r"GROUPLINK_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()):
            if found in NOT_SETTINGS or found.startswith(NOT_SETTINGS_PREFIXES):
                continue
            assert found in known, f"{path.name} names {found}, which is no setting"


def test_the_link_page_is_no_longer_said_to_be_missing() -> None:
    text = settings_doc.DOC.read_text()
    assert "does not serve a page" not in text
    assert "That address is the link page" in text
