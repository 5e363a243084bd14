"""All SQL lives in ``store/``: no service builds or runs a statement itself.

A module under ``grouplink/services/`` may not import SQLAlchemy or the table
objects of ``grouplink.store.tables``, nor call a connection's ``execute`` (or its
kin); it calls named functions of ``store/`` modules. The one name it may take
from SQLAlchemy is ``AsyncConnection``: services still open the transaction
(``core.db.write()``/``read()``) and hand it on, so they must be able to name its
type.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grouplink.services

SERVICES = Path(grouplink.services.__file__).parent

_ALLOWED_FROM_SQLALCHEMY = {("sqlalchemy.ext.asyncio", "AsyncConnection")}
_RUNS_SQL = {"execute", "scalar", "scalars", "stream", "stream_scalars", "exec_driver_sql"}


def offences(source: str) -> list[str]:
    """What in this module's source is SQL that belongs in ``store/``, as ``line: what``
    in the order of the lines."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, f"import {alias.name}")
                for alias in node.names
                if _is_sqlalchemy(alias.name) or _is_tables(alias.name)
            ]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                sql = _is_sqlalchemy(node.module)
                if (
                    _is_tables(full)
                    or _is_tables(node.module)
                    or (sql and (node.module, alias.name) not in _ALLOWED_FROM_SQLALCHEMY)
                ):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _RUNS_SQL
        ):
            found.append((node.lineno, f".{node.func.attr}(...)"))
    return [f"{line}: {what}" for line, what in sorted(found)]


def _is_sqlalchemy(module: str) -> bool:
    return module == "sqlalchemy" or module.startswith("sqlalchemy.")


def _is_tables(module: str) -> bool:
    return module == "grouplink.store.tables"


def _services() -> dict[str, Path]:
    """Every module under services/, by its dotted name below it (``throttle.views``)."""
    return {
        ".".join(path.relative_to(SERVICES).with_suffix("").parts): path
        for path in sorted(SERVICES.rglob("*.py"))
    }


def test_no_service_holds_sql() -> None:
    holding = {
        name: found for name, path in _services().items() if (found := offences(path.read_text()))
    }
    assert holding == {}, "move these statements into a store/ module"


def test_every_way_in_is_caught() -> None:
    source = "\n".join(
        [
            "import sqlalchemy as sa",
            "import sqlalchemy.dialects.sqlite",
            "from sqlalchemy import select",
            "from sqlalchemy.ext.asyncio import AsyncEngine",
            "from grouplink.store.tables import groups",
            "from grouplink.store import tables",
            "import grouplink.store.tables",
            "async def f(conn):",
            "    await conn.execute(q)",
            "    await conn.scalar(q)",
        ]
    )
    lines = [int(found.split(":")[0]) for found in offences(source)]
    assert lines == [1, 2, 3, 4, 5, 6, 7, 9, 10]


def test_a_service_may_name_the_connection_it_is_handed() -> None:
    source = "\n".join(
        [
            "from sqlalchemy.ext.asyncio import AsyncConnection",
            "from grouplink.store import queries, tables_of_contents",
            "async def f(conn: AsyncConnection):",
            "    return await queries.find_group(conn, 'b', 'g', lock=False)",
        ]
    )
    assert offences(source) == []
