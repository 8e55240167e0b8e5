"""axe-core on every kind of page: no serious or critical violation."""

import pytest
from playwright.sync_api import Page

from ..pages import VISITS
from .steps import choose_filter

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


@pytest.fixture
def axe_page(new_context) -> Page:
    # The site's Content Security Policy rightly refuses the <script> that
    # add_script_tag injects, so axe's pages bypass it.
    return new_context(bypass_csp=True).new_page()


def blocking_violations(page: Page, axe_script) -> list[dict]:
    page.add_script_tag(path=axe_script)
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [violation for violation in violations if violation["impact"] in BLOCKING]


def describe(violations: list[dict], nodes_shown: int = 8) -> str:
    """Each violation's rule, impact and help, then where it occurs and how to fix it."""
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(f"{violation['id']} ({violation['impact']}, {len(nodes)} elements): {violation['help']}")
        for node in nodes[:nodes_shown]:
            target = " >> ".join(map(str, node["target"]))
            summary = node.get("failureSummary", "").replace("\n", "\n        ")
            lines.append(f"    at {target}\n        {summary}")
        if len(nodes) > nodes_shown:
            lines.append(f"    … and {len(nodes) - nodes_shown} more")
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "path", "status"), VISITS, ids=[visit[0] for visit in VISITS])
def test_page_has_no_serious_accessibility_violation(axe_page, axe_script, name, path, status):
    response = axe_page.goto(path)
    assert response.status == status, f"{path} answered {response.status}"
    violations = blocking_violations(axe_page, axe_script)
    assert [v["id"] for v in violations] == [], f"axe-core on {path}:\n{describe(violations)}"


def test_timeline_after_an_htmx_swap_has_no_serious_accessibility_violation(axe_page, axe_script):
    axe_page.goto("/timeline/")
    choose_filter(axe_page, "party", "syrian-opposition")
    violations = blocking_violations(axe_page, axe_script)
    assert [v["id"] for v in violations] == [], f"axe-core on {axe_page.url} after the swap:\n{describe(violations)}"
