"""The house's map stays true: rooms of readable size, and docs/architecture.md names every
room of the import contract that `lint-imports` enforces."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "tryggnews"
MAX_MODULE_LINES = 400


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return {contract["id"]: contract for contract in contracts}


def _rooms() -> list[str]:
    layers = _contracts()["rooms"]["layers"]
    assert isinstance(layers, list)
    return [room.strip() for layer in layers for room in re.split(r"[|:]", layer)]


def test_no_module_is_over_400_lines_outside_migrations() -> None:
    too_long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def test_every_top_level_module_is_a_room_of_the_contract() -> None:
    # The contract is exhaustive too; this names the missing room in plain words.
    found = {
        path.stem if path.is_file() else path.name
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    assert found == set(_rooms())


def test_architecture_doc_names_every_room() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table_rooms = set(re.findall(r"^\| `([a-z0-9_]+)`", doc, flags=re.MULTILINE))
    table_rooms |= set(re.findall(r"^\| `[a-z0-9_]+`, `([a-z0-9_]+)`", doc, flags=re.MULTILINE))
    assert set(_rooms()) <= table_rooms


def test_the_transport_contracts_stay_in_place() -> None:
    contracts = _contracts()
    assert contracts["transports-bottom"]["source_modules"] == ["tryggnews.transports"]
    forbidden = contracts["transports-bottom"]["forbidden_modules"]
    assert isinstance(forbidden, list) and "sqlalchemy" in forbidden
    assert contracts["no-cycles"]["type"] == "acyclic_siblings"


def test_readme_links_the_map() -> None:
    assert "docs/architecture.md" in (ROOT / "README.md").read_text(encoding="utf-8")
