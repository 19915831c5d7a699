"""One rounding rule for display (web/numbers.py, docs/reports.md): the same grade reads the same on
the student's result page, the gradebook, the student report and the CSV export; the LMS gets
the exact value. And '1 of 1 point' uses the language's plural forms."""
import csv
import io

import pytest

from lms_module.web import numbers
from support.apps import attempt_row

RIGHT, WRONG = {"choice": "a"}, {"choice": "b"}


def test_rounding_rule_units():
    # The sign follows a no-break space: "66,7" and "%" never stand on two lines.
    assert numbers.percent_label(2 / 3, locale="de") == "66,7\u00a0%"
    assert numbers.percent_label(0.9775, locale="en") == "97.8\u00a0%"  # half up, not to even
    assert numbers.percent_label(0.98, locale="en") == "98\u00a0%"
    assert numbers.percent_label(None) == "–"
    assert numbers.percent_value(0.97727) == 97.7
    assert numbers.points_label(2.125, "de") == "2,13" and numbers.points_label(3.0, "en") == "3"


@pytest.mark.parametrize("locale, shown", [("en", "66.7\u00a0%"), ("de", "66,7\u00a0%")])
def test_one_grade_reads_the_same_everywhere(app, client, make_launch, teacher, student, attempt_for, locale, shown):
    ben = student("ben", name="Ben Berg")
    public_id = attempt_for(ben, {"q1": RIGHT, "q2": WRONG, "q3": RIGHT})
    assert attempt_row(app, public_id).fraction == pytest.approx(2 / 3, abs=1e-4)  # exact, for the LMS

    ben_client = app.test_client()
    ben_launch = make_launch("student", user_sub="ben", locale=locale, test_client=ben_client)
    result = ben_client.get(f"/l/{ben_launch}/attempt/{public_id}/result").get_data(as_text=True)
    start = ben_client.get(f"/l/{ben_launch}/quiz").get_data(as_text=True)
    assert shown in result and shown in start

    teacher_de = make_launch("instructor", user_sub="teacher", locale=locale)
    gradebook = client.get(f"/l/{teacher_de}/reports/").get_data(as_text=True)
    assert shown in gradebook
    exported = client.get(f"/l/{teacher_de}/reports/gradebook.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    grade_column = next(i for i, name in enumerate(rows[0]) if "%" in name)
    assert rows[1][grade_column] == "66.7"


@pytest.mark.parametrize("locale, single, plural", [("en", "1 of 1 point", "0 of 1 point"),
                                                    ("de", "1 von 1 Punkt", "0 von 1 Punkt")])
def test_one_point_is_singular(app, make_launch, teacher, student, attempt_for, locale, single, plural):
    ben = student("ben", name="Ben Berg")
    public_id = attempt_for(ben, {"q1": RIGHT, "q2": WRONG, "q3": RIGHT})
    ben_client = app.test_client()
    ben_launch = make_launch("student", user_sub="ben", locale=locale, test_client=ben_client)
    result = ben_client.get(f"/l/{ben_launch}/attempt/{public_id}/result").get_data(as_text=True)
    assert single in result and plural in result
    assert ("2 of 3 points" if locale == "en" else "2 von 3 Punkten") in result
    assert "1 of 1 points" not in result and "1 von 1 Punkten" not in result
