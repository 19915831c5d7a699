"""Numbers in URLs never reach the database unbounded (issue 9: a 25-digit id in /reports/students/…,
/reports/grading/…, /grades/sync/send/… or …/answers/… overflowed the database integer: a 500)."""
from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from support.apps import empty_all_tables, make_app

HUGE = "1" + "0" * 24  # 25 digits


@pytest.fixture
def app(database_url, tmp_path):
    # The POST routes are walked too: they must fail on the id, not on the CSRF token.
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=False)
    yield app
    empty_all_tables(app)


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        numbers = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if numbers:
            yield rule, numbers


def test_the_url_map_has_the_routes_of_the_report(app):
    paths = {rule.rule for rule, _ in _int_routes(app)}
    for path in ("/l/<launch_id>/reports/students/<id:user_id>", "/l/<launch_id>/reports/grading/<id:answer_id>",
                 "/l/<launch_id>/grades/sync/send/<id:user_id>",
                 "/l/<launch_id>/reports/attempts/<attempt_id>/answers/<id:answer_id>"):
        assert path in paths


@pytest.mark.parametrize("number", [HUGE, str(2**31), str(2**63), "0"])
def test_every_numeric_route_answers_404_to_a_number_no_id_can_have(app, client, make_launch, number):
    launch_id = make_launch("instructor", quiz_slug="bank-reconciliation-basics")
    checked = []
    for rule, numbers in _int_routes(app):
        values = {name: number if name in numbers else "x" for name in rule.arguments}
        values["launch_id"] = launch_id
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{name}>", value)
            for conv in ("int", "id"):
                path = path.replace(f"<{conv}:{name}>", value)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # (POSTs send a form, empty: a POST without one is refused before the view, by launch_required.)
            form = {"content_type": "application/x-www-form-urlencoded"} if method == "POST" else {}
            response = client.open(path, method=method, **form)
            # (Werkzeug answers 405 when a rule of another method has the same shape: also no database.)
            assert response.status_code in (404, 405), (method, path, response.status_code)
            assert f"{response.status_code} ·" in response.get_data(as_text=True)  # the error page
            checked.append(path)
    assert len(checked) >= 6
