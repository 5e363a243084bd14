"""The deployment tests take minutes (a virtualenv, nginx, a container image), so the
suite's default run (``scripts/test``) leaves them out: they are collected only when
this folder or one of its files is named on the command line, as ``.ci/run`` does:

    .venv/bin/python -m pytest -n 0 tests/deploy
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.name == "__init__.py":
        return None
    return None if named(config) else True


def named(config: pytest.Config) -> bool:
    """Was this folder, or something in it, given to pytest?"""
    start = config.invocation_params.dir
    for arg in config.args:
        path = (start / arg.split("::", 1)[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False
