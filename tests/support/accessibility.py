"""axe-core in the browser tests."""
from __future__ import annotations

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(target, label: str) -> None:
    """axe-core over the page or frame: zero WCAG 2.2 AA violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(target, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]})
    violations = results.response["violations"]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> " + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )
    assert violations == [], f"{label}:\n{report}"
