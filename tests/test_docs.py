"""The documents a user's clone has stay true: the README's code map, the API and the roles.

The contract lives in docs/ (api.md, roles.md, privacy.md), not in a file outside the
repository; these tests fail when a module, route or role changes and the documents do not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from widget_api.store.accounts import ROLES

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
PACKAGE = REPO / "widget_api"


def section(markdown: str, heading: str) -> str:
    """The text under `## heading`, up to the next `## `."""
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def code_map_paths() -> list[str]:
    """Every file or folder the code map names: code spans like `a/b.py` or `a/b/`."""
    spans = re.findall(r"`([^`\s]+)`", section(README, "Code map"))
    path = re.compile(r"[\w-]+(/[\w-]+)*(/|\.\w+)")  # not `/api/v1`, `create_app`
    return [span for span in spans if path.fullmatch(span)]


def test_every_path_in_the_code_map_exists():
    paths = code_map_paths()
    assert len(paths) >= 25
    missing = [path for path in paths if not (REPO / path).exists()]
    assert missing == []
    for path in paths:
        assert (REPO / path).is_dir() == path.endswith("/"), path


def test_the_code_map_names_every_package_and_top_level_module():
    named = set(code_map_paths())
    for child in PACKAGE.iterdir():
        if child.name.startswith(("_", ".")) and child.name != "__init__.py":
            continue
        if child.is_dir() and any(child.glob("*.py")):
            assert f"widget_api/{child.name}/" in named, child.name
        elif child.suffix == ".py":
            assert f"widget_api/{child.name}" in named, child.name


def test_nothing_cites_a_document_the_repository_does_not_have():
    """The contract once lived in a file beside the repository that a clone does not have."""
    outside = "PRODUCT" + ".md"
    files = [REPO / "README.md", *REPO.glob("docs/*.md"), *REPO.glob("scripts/*")]
    files += [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.html"), *REPO.glob("static/*.js")]
    files += [*REPO.glob("tests/*.py"), *REPO.glob("bench/*.py")]
    citing = [str(f.relative_to(REPO)) for f in files if outside in f.read_text(encoding="utf-8")]
    assert citing == []


def test_every_link_between_documents_resolves():
    for document in [REPO / "README.md", *REPO.glob("docs/*.md")]:
        text = document.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            assert (document.parent / target).exists(), (document.name, target)


def without_arguments(path: str) -> str:
    """`/staff/drafts/<int:draft_id>.md` -> `/staff/drafts`: the page a route belongs to."""
    return path.split("<", 1)[0].rstrip("/")


def roles_table() -> list[tuple[list[str], str]]:
    """(addresses, role) of each row of docs/roles.md's table of staff pages."""
    text = section((REPO / "docs" / "roles.md").read_text(encoding="utf-8"), "Staff roles")
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("`/staff"):
            rows.append((re.findall(r"`([^`]+)`", cells[1]), cells[2]))
    return rows


def test_docs_roles_names_every_staff_page_with_the_role_the_server_checks(app):
    rows = roles_table()
    checked = 0
    for rule in app.url_map.iter_rules():
        required = getattr(app.view_functions[rule.endpoint], "required_role", None)
        if required is None:
            continue
        page = without_arguments(rule.rule)
        roles = {
            role
            for addresses, role in rows
            if any(without_arguments(address) == page for address in addresses)
        }
        assert roles == {required}, (rule.rule, roles)
        checked += 1
    assert checked >= 20
    assert {role for _, role in rows} - {"anyone with an enabled account"} == set(ROLES)


@pytest.mark.parametrize("document", ["docs/api.md"])
def test_docs_api_names_every_route_of_the_visitor_api(app, document):
    text = (REPO / document).read_text(encoding="utf-8")
    named = {re.sub(r"<[^>]+>", "<>", call) for call in re.findall(r"`([A-Z]+ /[^`\s]+)`", text)}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/widget.js":
            path = re.sub(r"<[^>]+>", "<>", rule.rule)
            routes |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - named == set()


def test_the_commands_docs_api_promises_to_keep_exist():
    import click

    from widget_api.cli.main import main

    promised = section((REPO / "docs" / "api.md").read_text(encoding="utf-8"), "Names that stay")
    bullet = next(b for b in promised.split("\n- ") if b.startswith("the `widget-api` commands"))
    commands = []
    for span in re.findall(r"`([a-z][a-z| -]*)`", bullet.split(":", 1)[1]):
        group, _, subs = span.rpartition(" ")
        commands += [f"{group} {sub}".strip() for sub in subs.split("|")]
    assert len(commands) >= 20
    for command in commands:
        found: click.Command | None = main
        for word in command.split():
            assert isinstance(found, click.Group), command
            found = found.get_command(click.Context(found), word)
        assert found is not None, command
