"""Services never import each other; contracts import pydantic only; the runtime holds no domain;
the document library renders from the contracts and depends on no service."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = sorted(
    p.parent
    for pattern in ("services/*/pyproject.toml", "adapters/*/pyproject.toml")
    for p in ROOT.glob(pattern)
)
SHARED = {"magt_contracts", "magt_runtime", "magt_documents"}


def _imports(package_dir: Path) -> set[str]:
    found: set[str] = set()
    for path in package_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def _own_package(member: Path) -> str:
    return f"magt_{member.name}"


def test_every_service_and_adapter_is_a_workspace_package() -> None:
    names = {m.name for m in MEMBERS}
    assert names == {
        "registrering",
        "routing",
        "frister",
        "klager",
        "statistik",
        "bosted",
        "nexus",
        "sikkermail",
        "arbejdsrum",
    }
    for member in MEMBERS:
        assert (member / "src" / _own_package(member) / "__init__.py").exists()


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: m.name)
def test_a_service_imports_only_contracts_and_runtime_of_ours(member: Path) -> None:
    ours = {i for i in _imports(member / "src") if i.startswith("magt")}
    assert ours <= SHARED | {_own_package(member)}, f"{member.name} imports {ours - SHARED}"


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: m.name)
def test_a_service_test_never_imports_another_service(member: Path) -> None:
    """Tests may use the platform's tooling (`magt`: fixtures, CLI); cross-service tests live in tests/."""
    ours = {i for i in _imports(member / "tests") if i.startswith("magt")}
    allowed = SHARED | {_own_package(member), "magt"}
    assert ours <= allowed, f"{member.name}'s tests import {ours - allowed}"


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: m.name)
def test_a_service_depends_only_on_contracts_and_runtime_of_ours(member: Path) -> None:
    project = tomllib.loads((member / "pyproject.toml").read_text())["project"]
    ours = {
        d.split(">")[0].split("=")[0].strip()
        for d in project["dependencies"]
        if d.startswith("magt")
    }
    assert ours <= {"magt-contracts", "magt-runtime", "magt-documents"}


def test_contracts_import_only_pydantic_and_the_standard_library() -> None:
    allowed = {"pydantic", "pydantic_core", "annotated_types", "magt_contracts", "__future__"}
    foreign = {
        i
        for i in _imports(ROOT / "contracts" / "src")
        if i not in allowed and i not in sys.stdlib_module_names
    }
    assert not foreign, f"contracts import {foreign}"


def test_runtime_holds_no_domain() -> None:
    ours = {i for i in _imports(ROOT / "libs" / "runtime" / "src") if i.startswith("magt")}
    assert ours == {"magt_runtime"}


def test_documents_import_only_contracts_of_ours() -> None:
    ours = {i for i in _imports(ROOT / "libs" / "documents" / "src") if i.startswith("magt")}
    assert ours <= {"magt_documents", "magt_contracts"}, f"documents import {ours}"
