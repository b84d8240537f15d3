"""Routers hand each request to one service call: none reads the database itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import booking.api
import booking.web

API = Path(booking.api.__file__).parent
WEB = Path(booking.web.__file__).parent
# deps.py opens the request's session and builds the Context: that is its job.
ROUTERS = sorted(path for path in API.glob("*.py") if path.name not in {"__init__.py", "deps.py"})
# The page modules are routers too: each route hands its work to the API's services.
ROUTERS += sorted(path for path in WEB.glob("*.py") if "page_router()" in path.read_text())


def _database_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found.append(f"line {node.lineno}: imports {node.module}")
        if isinstance(node, ast.Attribute) and node.attr in {"session", "get"}:
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id == "ctx":
                found.append(f"line {node.lineno}: ctx.{node.attr}")
    return found


@pytest.mark.parametrize("path", ROUTERS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_router_leaves_the_database_to_services(path: Path) -> None:
    assert _database_uses(path) == []
