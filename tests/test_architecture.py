"""The package's layout: stages that import one way only, and no module reaching into another's
private names. Read from the source (every import, also those inside functions)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

# The stages in the order data flows through them: each may import only from those before it.
STAGES = ("findings", "quantities", "loading", "rules", "project", "checking", "layout", "building", "render",
          "commands", "cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: dict[str, Path]) -> list[tuple[str, list[str]]]:
    """Every import of a module as (the module imported, the names taken from it)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name.startswith("generator")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if not base.startswith("generator"):
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule, []) if submodule in known else (base, [alias.name]))
    return found


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return "cli"
    return parts[1]


def stage_edges() -> set[tuple[str, str]]:
    known = modules()
    return {(stage_of(name), stage_of(target)) for name, path in known.items()
            for target, _ in imports(path, known) if stage_of(name) != stage_of(target)}


def cycle(edges: set[tuple[str, str]]) -> list[str] | None:
    """A cycle in the graph, as the nodes along it, or None."""
    following: dict[str, set[str]] = {}
    for source, target in edges:
        following.setdefault(source, set()).add(target)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for target in sorted(following.get(node, ())):
            found = visit(target, path + [node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(following):
        found = visit(start, [])
        if found:
            return found
    return None


def test_every_module_belongs_to_a_declared_stage():
    assert {stage_of(name) for name in modules()} == set(STAGES)


def test_stages_import_only_from_the_stages_before_them():
    backwards = sorted((source, target) for source, target in stage_edges()
                       if STAGES.index(target) > STAGES.index(source))
    assert backwards == []


def test_no_cycle_between_stages_or_between_modules():
    known = modules()
    module_edges = {(name, target) for name, path in known.items() for target, _ in imports(path, known)
                    if target != name and target in known}
    assert cycle(stage_edges()) is None
    assert cycle(module_edges) is None


def test_no_module_imports_another_modules_private_names():
    known = modules()
    private = [f"{name} takes {taken} from {target}" for name, path in known.items()
               for target, names in imports(path, known) if target != name
               for taken in names if taken.startswith("_") and not taken.startswith("__")]
    assert private == []


def test_the_cycle_finder_finds_a_cycle_and_the_import_reader_resolves_relative_imports():
    assert cycle({("a", "b"), ("b", "c"), ("c", "a")}) == ["a", "b", "c", "a"]
    assert cycle({("a", "b"), ("a", "c"), ("b", "c")}) is None
    known = modules()
    site = imports(PACKAGE / "render" / "site.py", known)
    assert ("generator.building.pipeline", ["run"]) in site
    assert ("generator.findings", []) in site  # `from .. import findings as F`: the module itself
    assert stage_of("generator.render.printing.pdf") == "render" and stage_of("generator") == "cli"
