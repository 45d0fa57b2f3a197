"""The import table of ARCHITECTURE.md: no arrow runs up a floor, and alerts and crawlers
do not import each other. Nothing below jianyu/ reads configuration or the environment."""
import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

ALLOWED = {
    "nlp": set(),
    "indexer": {"nlp"},
    "alerts": {"nlp", "indexer"},
    "crawlers": {"nlp", "indexer"},
    "jianyu": {"nlp", "indexer", "alerts", "crawlers"},
}


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_packages(tree: ast.AST, path: Path, package: str) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add((alias.name.split(".")[0], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative imports stay inside the package
                found.add((package, node.lineno))
            elif node.module:
                found.add((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_follow_the_floors(package):
    if not (ROOT / package).is_dir():
        pytest.skip(f"{package}/ does not exist yet")
    bad = []
    for path, tree in _modules(package):
        for top, line in _imported_packages(tree, path, package):
            if top in ALLOWED and top != package and top not in ALLOWED[package]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {top}")
    assert not bad, "imports against ARCHITECTURE.md:\n" + "\n".join(bad)


@pytest.mark.parametrize("package", ["nlp", "indexer", "alerts", "crawlers"])
def test_no_configuration_reading_below_the_shell(package):
    if not (ROOT / package).is_dir():
        pytest.skip(f"{package}/ does not exist yet")
    bad = []
    for path, tree in _modules(package):
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} reads os.{node.attr}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith("jianyu.yaml"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} names jianyu.yaml")
    assert not bad, "\n".join(bad)


def test_the_checker_sees_a_bad_arrow(tmp_path):
    tree = ast.parse("from jianyu.config import Settings\nimport alerts\n")
    found = _imported_packages(tree, tmp_path / "x.py", "nlp")
    assert {top for top, _ in found} == {"jianyu", "alerts"}
