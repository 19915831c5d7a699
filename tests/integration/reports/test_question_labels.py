"""Question numbers agree between views (issue 13): the attempt review says where a question stood in
the attempt and its stable number in the quiz; the item analysis and the responses CSV show that
number, the CSV also the position in the attempt; cloze gaps read [1], [2] instead of {{who}}."""
import csv
import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from lms_module.attempts import services
from lms_module.attempts.models import Answer
from lms_module.db_types import utcnow
from lms_module.engine import load_quiz
from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.courses.models import ResourceLink

ALL_TYPES = Path(__file__).resolve().parents[2] / "unit" / "engine" / "fixtures" / "all_types.yaml"


def test_both_numbers_everywhere_and_gaps_as_gaps(app, client, make_launch, student):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()
    teacher = make_launch("instructor", quiz_slug="all-types", user_sub="teacher", link_id="link-all")
    ida = student("ida", name="Ida Iske", link="link-all")
    file_order = [q.id for q in load_quiz(ALL_TYPES).questions]
    cloze_in_quiz = file_order.index("vat-cloze") + 1
    with app.app_context():
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-all")).one()
        started = utcnow() - timedelta(minutes=10)
        attempt = services.start_attempt(link, ida, started)
        # The attempt shows the cloze first (shuffled), whatever its place in the file.
        attempt.plan = sorted(attempt.plan, key=lambda e: e["question_id"] != "vat-cloze")
        db.session.add(Answer(attempt_id=attempt.id, question_id="vat-cloze", response={"gaps": {"vat": "19"}},
                              answered_at=started, saved_at=started))
        db.session.flush()
        services.submit_attempt(attempt, started + timedelta(minutes=5))
        db.session.commit()
        public_id = attempt.public_id
    assert cloze_in_quiz != 1

    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/l/{teacher}/reports/responses.csv").get_data().decode("utf-8-sig"))))
    cloze = next(r for r in rows if r["Question id"] == "vat-cloze")
    assert (cloze["Position in the attempt"], cloze["Question number"]) == ("1", str(cloze_in_quiz))
    assert "{{" not in cloze["Question"] and "[1]" in cloze["Question"] and "[3]" in cloze["Question"]

    items = client.get(f"/l/{teacher}/reports/items").get_data(as_text=True)
    assert "{{" not in items and "[1]" in items
    assert f'<tr id="item-{cloze_in_quiz}">' in items

    review = client.get(f"/l/{teacher}/reports/attempts/{public_id}").get_data(as_text=True)
    assert f"Question 1 (No. {cloze_in_quiz} in the quiz)" in review

    ida_client = app.test_client()
    ida_launch = make_launch("student", user_sub="ida", link_id="link-all", locale="de", test_client=ida_client)
    result = ida_client.get(f"/l/{ida_launch}/attempt/{public_id}/result").get_data(as_text=True)
    assert f"Frage 1 (Nr. {cloze_in_quiz} im Quiz)" in result
