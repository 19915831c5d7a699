"""A German student opens an exam again on a phone, after a graded attempt: the start page lists the
attempt (Versuch, Status, Punktzahl, Ergebnis: "Nicht bestanden"). That table needed about 380 px,
so at 320 and 375 px the whole page scrolled sideways inside the LMS frame and its last column was
cut off at the frame's edge; now the table scrolls in its own labelled region."""
from pathlib import Path

import pytest
from sqlalchemy import select

from lms_module.attempts import services
from lms_module.courses.models import LaunchSession, ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.library.services import import_path
from support.accessibility import assert_accessible
from support.lms_frame import launched_frame

EXAM = Path(__file__).resolve().parents[2] / "quizzes" / "accuracy" / "accuracy-exam.yaml"


@pytest.fixture
def phone(chromium, request):
    context = chromium.new_context(locale="de-DE", viewport={"width": request.param, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("phone", [320, 375], indirect=True)
def test_the_attempts_table_does_not_widen_the_page(phone, live):
    with live.app.app_context():
        assert import_path(EXAM).ok
        db.session.commit()
    live.lms.set_custom_parameters(2, {"quiz": "accuracy-exam"})
    phone.goto(f"{live.lms_url}/course/view/2?user=6&locale=de")
    frame = launched_frame(phone, "form[action$='/quiz/start']")
    with live.app.app_context():  # one graded attempt with nothing answered: "Nicht bestanden"
        launch = db.session.scalars(select(LaunchSession)).one()
        link = db.session.get(ResourceLink, launch.resource_link_id)
        services.submit_attempt(services.start_attempt(link, launch.user_id, utcnow()), utcnow())
        db.session.commit()
    frame.goto(frame.url)
    frame.wait_for_selector("main table")
    assert "Nicht bestanden" in frame.locator("main table").inner_text()
    widths = frame.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    # "Ihre Bewertung für diese Aktivität: 0 %": the number and its sign stay on one line.
    split = frame.evaluate("""() => {
      const split = [];
      const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.data.matchAll(/\\d\\s%/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          if (new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size > 1) split.push(node.data);
        }
      }
      return split;
    }""")
    assert split == []
    region = frame.locator("[role=region][aria-labelledby=attempts-heading]")
    assert region.locator("table").count() == 1
    assert_accessible(frame, "start page with an attempt (de, phone)")
