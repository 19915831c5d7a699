"""Course quizzes composed in the browser: create, copy a library quiz, slots with Up/Down, points
and draws, publishing new versions (running attempts keep theirs), regrading, and who may do it."""
from __future__ import annotations

import logging
import re
import pytest
from sqlalchemy import select

from lms_module.attempts import services as attempts
from lms_module.attempts.models import Answer, Attempt
from lms_module.authoring import bank, course_quizzes as cq
from lms_module.authoring.models import BankQuestion, CourseQuizDraft, QuizVersionQuestion
from lms_module.courses.models import Course, LaunchSession, ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from lms_module.library.models import Quiz
from lms_module.library.services import import_path, list_library
from lms_module.signals import attempt_graded
from support.apps import session_csrf_token, course_of_launch

LIBRARY_QUIZ = """slug: lib-source
title: {de: "Quelle", en: "Source"}
topic: accuracy
settings: {attempts: 3, grading: last}
questions:
  - {id: s1, type: true_false, text: {de: "Eins", en: "One"}, answer: true}
  - {id: s2, type: true_false, text: {de: "Zwei", en: "Two"}, answer: false, points: 2}
  - {id: p1, pool: extra, type: true_false, text: "P1", answer: true}
  - {id: p2, pool: extra, type: true_false, text: "P2", answer: true}
draws:
  - {pool: extra, count: 1}
"""


def _tf(key: str, answer: bool = True, points: float = 1.0) -> dict:
    return {"id": key, "type": "true_false", "text": {"de": f"Aussage {key}", "en": f"Statement {key}"},
            "answer": answer, "points": points}


def _bank(app, course_id: int, *questions: dict, tags=()) -> list[int]:
    with app.app_context():
        ids = [bank.save_question(course_id, q, tags=list(tags)).question_id for q in questions]
        db.session.commit()
        return ids


@pytest.fixture
def teacher(make_launch):
    return make_launch("instructor", link_id="link-1")


@pytest.fixture
def editor(app, client, teacher):
    """A course quiz "vat" with three bank questions in slots, through the routes."""
    course_id = course_of_launch(app, teacher)
    ids = _bank(app, course_id, _tf("a"), _tf("b"), _tf("c"))
    token = session_csrf_token(app, client)
    created = client.post(f"/l/{teacher}/authoring/quizzes/new",
                          data={"csrf_token": token, "slug": "vat", "title_de": "MwSt", "title_en": "VAT",
                                "topic": "accuracy"})
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    quiz_id = int(re.search(r"/quizzes/(\d+)", created.location).group(1))
    added = client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/questions",
                        data={"csrf_token": token, "questions": [str(i) for i in ids]})
    assert added.status_code == 302
    return {"launch": teacher, "course": course_id, "quiz": quiz_id, "bank": ids, "token": token}


def _slots(app, quiz_id: int) -> list:
    with app.app_context():
        return db.session.scalars(select(CourseQuizDraft.slots).where(CourseQuizDraft.quiz_id == quiz_id)).one()


def _publish(client, ed) -> str:
    response = client.post(f"/l/{ed['launch']}/authoring/quizzes/{ed['quiz']}/publish", data={"csrf_token": ed["token"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return client.get(response.location).get_data(as_text=True)


def test_up_and_down_reorder_the_slots_and_keep_focus_on_the_moved_button(app, client, editor):
    a, b, c = editor["bank"]
    url = f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/slots"
    moved = client.post(f"{url}/2", data={"csrf_token": editor["token"], "action": "up"})
    assert moved.status_code == 302 and "moved=1" in moved.location and moved.location.endswith("#slot-1")
    assert [s["question"] for s in _slots(app, editor["quiz"])] == [a, c, b]
    page = client.get(moved.location).get_data(as_text=True)
    button = re.search(r'<button[^>]*value="up"[^>]*autofocus[^>]*>', page)
    assert button and "Move slot 2 up" in button.group(0)
    client.post(f"{url}/0", data={"csrf_token": editor["token"], "action": "down"})
    assert [s["question"] for s in _slots(app, editor["quiz"])] == [c, a, b]
    client.post(f"{url}/0", data={"csrf_token": editor["token"], "action": "up"})  # already first: unchanged
    assert [s["question"] for s in _slots(app, editor["quiz"])] == [c, a, b]
    client.post(f"{url}/2", data={"csrf_token": editor["token"], "action": "remove"})
    assert [s["question"] for s in _slots(app, editor["quiz"])] == [c, a]


def _names(page: str, pattern: str) -> list[str]:
    """The text of each element `pattern` finds (its content, tags removed: what a screen reader
    names it by when it has no aria-label)."""
    return [" ".join(re.sub(r"<[^>]+>", "", m).split()) for m in re.findall(pattern, page, re.S)]


@pytest.mark.parametrize("locale, words", [
    ("en", {"save": "Save", "remove": "Remove", "points": "Points", "slot": "slot"}),
    ("de", {"save": "Speichern", "remove": "Entfernen", "points": "Punkte", "slot": "Platz"}),
])
def test_each_slots_buttons_and_fields_name_the_slot(app, client, editor, make_launch, locale, words):
    """A screen reader listing the buttons heard "Save, Save, Save, Remove, Remove, Remove": every
    slot's Save, Remove and Points had the same name. The visible word still starts the name."""
    launch = make_launch("instructor", link_id="link-1", locale=locale)
    page = client.get(f"/l/{launch}/authoring/quizzes/{editor['quiz']}").get_data(as_text=True)
    slot = words["slot"]
    for action in ("save", "remove"):
        assert _names(page, rf'<button[^>]*value="{action}"[^>]*>(.*?)</button>') == [
            f"{words[action]} – {slot} {n}" for n in (1, 2, 3)]
    assert _names(page, r'<label for="points-\d+">(.*?)</label>') == [f"{words['points']} – {slot} {n}" for n in (1, 2, 3)]
    assert f'<span class="visually-hidden"> – {slot} 1</span>' in page


def test_points_are_bounded_with_the_message_at_the_slot(app, client, editor):
    url = f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/slots/0"
    saved = client.post(url, data={"csrf_token": editor["token"], "action": "save", "points": "2.5"})
    assert saved.status_code == 302
    assert _slots(app, editor["quiz"])[0]["points"] == 2.5
    refused = client.post(url, data={"csrf_token": editor["token"], "action": "save", "points": "5000"})
    assert refused.status_code == 400
    assert 'id="slot-error-0"' in refused.get_data(as_text=True)
    assert _slots(app, editor["quiz"])[0]["points"] == 2.5
    assert client.post(f"{url[:-2]}/99", data={"csrf_token": editor["token"], "action": "up"}).status_code == 404


@pytest.mark.parametrize("typed", [{"points": "5000"}, {"points": "abc"}, {"points": "-1", "count": "0"}])
def test_up_down_and_remove_work_whatever_is_typed_into_the_slot(app, client, editor, typed):
    """Up, Down and Remove are buttons of the slot's form, so they sent its points field too, and
    invalid points (or a draw's count) refused them with the points message."""
    a, b, c = editor["bank"]
    url = f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/slots"
    token = editor["token"]
    moved = client.post(f"{url}/1", data={"csrf_token": token, "action": "up", **typed})
    assert moved.status_code == 302 and moved.location.endswith("#slot-0")
    assert [s["question"] for s in _slots(app, editor["quiz"])] == [b, a, c]
    assert client.post(f"{url}/0", data={"csrf_token": token, "action": "down", **typed}).status_code == 302
    assert [s["question"] for s in _slots(app, editor["quiz"])] == [a, b, c]
    removed = client.post(f"{url}/2", data={"csrf_token": token, "action": "remove", **typed})
    assert removed.status_code == 302
    assert [s["question"] for s in _slots(app, editor["quiz"])] == [a, b]
    assert all(s["points"] is None for s in _slots(app, editor["quiz"]))  # nothing typed was saved
    # Saving still checks what it saves, and every action still wants the form's token.
    assert client.post(f"{url}/0", data={"csrf_token": token, "action": "save", **typed}).status_code == 400
    assert client.post(f"{url}/0", data={"csrf_token": "forged", "action": "remove"}).status_code == 400
    assert len(_slots(app, editor["quiz"])) == 2


def test_publishing_makes_a_version_the_activity_choice_lists(app, client, editor):
    client.post(f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/slots/0",
                data={"csrf_token": editor["token"], "action": "save", "points": "3"})
    page = _publish(client, editor)
    assert "Version 1 was published" in page
    with app.app_context():
        listed = [v for v in list_library(editor["course"]) if v.quiz_id == editor["quiz"]]
        assert len(listed) == 1 and listed[0].number == 1 and listed[0].title_en == "VAT"
        assert [q["id"] for q in listed[0].content["questions"]] == ["a", "b", "c"]
        assert listed[0].content["questions"][0]["points"] == 3
        rows = db.session.scalars(select(QuizVersionQuestion).where(QuizVersionQuestion.quiz_version_id == listed[0].id)).all()
        assert sorted(r.bank_question_id for r in rows) == sorted(editor["bank"])
        assert all(v.quiz_id != editor["quiz"] for v in list_library(None))  # not the library's
    picker = client.get(f"/l/{editor['launch']}/instructor/choose").get_data(as_text=True)
    assert "VAT" in picker
    assert "Nothing changed since version 1" in _publish(client, editor)


def test_publishing_refuses_an_empty_quiz_with_a_reason(app, client, teacher):
    token = session_csrf_token(app, client)
    created = client.post(f"/l/{teacher}/authoring/quizzes/new", data={
        "csrf_token": token, "slug": "empty", "title_en": "Empty", "topic": "career"})
    quiz_id = int(re.search(r"/quizzes/(\d+)", created.location).group(1))
    refused = client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/publish", data={"csrf_token": token})
    assert refused.status_code == 400 and "no questions yet" in refused.get_data(as_text=True)


def test_a_draw_publishes_a_pool_and_refuses_when_the_tag_has_too_few(app, client, editor):
    course = editor["course"]
    _bank(app, course, _tf("t1"), _tf("t2"), _tf("t3"), tags=["vat-rates"])
    url = f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/draws"
    assert client.post(url, data={"csrf_token": editor["token"], "tag": "vat-rates", "count": "5"}).status_code == 302
    refused = client.post(f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/publish",
                          data={"csrf_token": editor["token"]})
    assert refused.status_code == 400
    assert "5 questions from tag &#39;vat-rates&#39; wanted, 3 available" in refused.get_data(as_text=True)
    client.post(f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/slots/3",
                data={"csrf_token": editor["token"], "action": "save", "count": "2", "points": "2"})
    _publish(client, editor)
    with app.app_context():
        version = next(v for v in list_library(course) if v.quiz_id == editor["quiz"])
        assert version.content["draws"] == [{"pool": "draw-4", "count": 2}]
        pooled = [q for q in version.content["questions"] if q.get("pool") == "draw-4"]
        assert [q["id"] for q in pooled] == ["t1", "t2", "t3"] and all(q["points"] == 2 for q in pooled)


def test_settings_are_checked_by_the_engine_with_the_message_next_to_the_field(app, client, editor):
    url = f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/details"
    base = {"csrf_token": editor["token"], "title_de": "MwSt", "title_en": "VAT", "topic": "accuracy", "mode": "exam",
            "attempts": "2", "grading": "average", "pass_mark_percent": "70", "feedback": "after_submit",
            "layout": "one_per_page"}
    assert client.post(url, data=base).status_code == 302
    with app.app_context():
        draft = db.session.scalars(select(CourseQuizDraft).where(CourseQuizDraft.quiz_id == editor["quiz"])).one()
        assert draft.settings["grading"] == "average" and draft.settings["pass_mark"] == 0.7
    refused = client.post(url, data={**base, "attempts": "1000", "title_de": "x" * 600})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="attempts-error"' in html and 'id="title_de-error"' in html


def test_both_quiz_forms_want_a_title_in_one_language_and_keep_only_the_filled_ones(app, client, teacher):
    token = session_csrf_token(app, client)
    new_url = f"/l/{teacher}/authoring/quizzes/new"
    blank = client.post(new_url, data={"csrf_token": token, "slug": "t", "title_de": " ", "title_en": "", "topic": "career"})
    assert blank.status_code == 400 and "Give the quiz a title in German or English." in blank.get_data(as_text=True)
    created = client.post(new_url, data={"csrf_token": token, "slug": "t", "title_de": " ", "title_en": "Only English",
                                         "topic": "career"})
    quiz_id = int(re.search(r"/quizzes/(\d+)", created.location).group(1))
    details_url = f"/l/{teacher}/authoring/quizzes/{quiz_id}/details"
    base = {"csrf_token": token, "topic": "career", "mode": "exam", "attempts": "1", "grading": "last",
            "pass_mark_percent": "50", "feedback": "after_submit", "layout": "one_per_page"}
    refused = client.post(details_url, data={**base, "title_de": "", "title_en": "  "})
    assert refused.status_code == 400 and "Give the quiz a title in German or English." in refused.get_data(as_text=True)
    assert client.post(details_url, data={**base, "title_de": "Nur Deutsch", "title_en": " ",
                                          "description_de": "", "description_en": "Why"}).status_code == 302
    with app.app_context():
        draft = db.session.scalars(select(CourseQuizDraft).where(CourseQuizDraft.quiz_id == quiz_id)).one()
        assert draft.title == {"de": "Nur Deutsch"} and draft.description == {"en": "Why"}


def test_an_attempt_started_on_v1_keeps_v1_after_republishing(app, client, editor, make_launch):
    _publish(client, editor)
    with app.app_context():
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one()
        link.quiz_slug = "vat"
        db.session.commit()
    sam = make_launch("student", user_sub="sam")
    with app.app_context():
        launch = db.session.get(LaunchSession, sam)
        link = db.session.get(ResourceLink, launch.resource_link_id)
        attempt = attempts.start_attempt(link, launch.user_id, utcnow())
        db.session.commit()
        v1 = attempt.quiz_version_id
    # The instructor changes a question and removes another, then publishes version 2.
    with app.app_context():
        bank.save_question(editor["course"], _tf("a", answer=False), question_id=editor["bank"][0])
        db.session.commit()
    client.post(f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/slots/2",
                data={"csrf_token": editor["token"], "action": "remove"})
    assert "Version 2 was published" in _publish(client, editor)
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).where(Attempt.quiz_version_id == v1)).one()
        content = attempts.content_for(attempt)
        assert attempts.planned_ids(attempt) == ["a", "b", "c"]
        assert content.question("a").answer is True  # v1's key
        attempts.save_answers(attempt, {"q-a": ["true"], "q-b": ["true"], "q-c": ["true"]}, ["a", "b", "c"], utcnow())
        attempts.submit_attempt(attempt, utcnow())
        db.session.commit()
        assert attempt.marks == 3 and attempt.quiz_version_id == v1
        link = db.session.get(ResourceLink, attempt.resource_link_id)
        current = attempts.quiz_for_link(link)  # what a new attempt starts on
        assert current.version.number == 2 and [q.id for q in current.content.questions] == ["a", "b"]
        assert current.content.question("a").answer is False


def _key_corrected_after_sams_attempt(app, client, editor, make_launch, points: float = 1.0) -> int:
    """Version 1 of "vat" on the activity; Sam answers "false" to a (wrong under v1's key, right
    under the corrected one) and submits; the key of a is corrected and version 2 published. Sam's
    attempt's id."""
    _publish(client, editor)
    with app.app_context():
        link = db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one()
        link.quiz_slug = "vat"
        db.session.commit()
    sam = make_launch("student", user_sub="sam")
    with app.app_context():
        launch = db.session.get(LaunchSession, sam)
        link = db.session.get(ResourceLink, launch.resource_link_id)
        attempt = attempts.start_attempt(link, launch.user_id, utcnow())
        attempts.save_answers(attempt, {"q-a": ["false"], "q-b": ["true"], "q-c": ["true"]}, ["a", "b", "c"], utcnow())
        attempts.submit_attempt(attempt, utcnow())
        bank.save_question(editor["course"], _tf("a", answer=False, points=points), question_id=editor["bank"][0])
        db.session.commit()
        assert attempt.marks == 2 * points
        attempt_id = attempt.id
    _publish(client, editor)
    return attempt_id


def test_regrade_dry_run_lists_the_change_and_applying_queues_the_grade(app, client, editor, make_launch):
    attempt_id = _key_corrected_after_sams_attempt(app, client, editor, make_launch)
    dry = client.get(f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/regrade").get_data(as_text=True)
    assert "Test Student sam" in dry and "2 / 3" in dry and "3 / 3" in dry and "+33.33" in dry
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).marks == 2  # a dry run writes nothing
    announced = []
    with attempt_graded.connected_to(lambda sender, **kw: announced.append(kw["result"]), sender="attempts"):
        applied = client.post(f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/regrade",
                              data={"csrf_token": editor["token"]})
    assert applied.status_code == 302
    assert "1 attempt was rescored. 1 grade changed and is sent to the LMS." in client.get(applied.location).get_data(as_text=True)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.marks == 3 and attempt.fraction == 1.0
        answer = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id, Answer.question_id == "a")).one()
        assert answer.marks == 1
    # The grade sync hears the new grade (the LMS side: test_course_quiz_regrade_reaches_the_lms).
    assert [(r.grade.points, r.grade.maximum) for r in announced] == [(3.0, 3.0)]
    again = client.get(f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/regrade").get_data(as_text=True)
    assert "No student's grade changes." in again and "attempts whose marks change: 0" in again


def test_the_regrade_page_speaks_of_bewertungen_with_german_numbers(app, client, editor, make_launch):
    """In German the regrade page called grades 'Note' where every other page says 'Bewertung',
    showed points and the change with English decimals ('4.5', '+33.3333') and said '1 attempts
    were rescored; 1 grades changed'."""
    with app.app_context():  # 1.5 points each, 4.5 in all: the numbers have decimals
        for key, bank_id in zip("abc", editor["bank"]):
            bank.save_question(editor["course"], _tf(key, points=1.5), question_id=bank_id)
        db.session.commit()
    _key_corrected_after_sams_attempt(app, client, editor, make_launch, points=1.5)
    german = make_launch("instructor", link_id="link-1", locale="de")  # the same teacher, in German
    url = f"/l/{german}/authoring/quizzes/{editor['quiz']}/regrade"
    page = client.get(url).get_data(as_text=True)
    assert "Teilnehmende, deren Bewertung sich ändert" in page
    assert "Bisherige Bewertung" in page and "Neue Bewertung" in page
    assert not re.search(r"\bNoten?\b", page)
    assert "3 / 4,5" in page and "4,5 / 4,5" in page  # points as German numbers (was "4.5")
    assert "+33,33 Prozentpunkte" in page  # (was "+33.3333")
    assert "4.5" not in page
    applied = client.post(url, data={"csrf_token": editor["token"]})
    done = client.get(applied.location).get_data(as_text=True)
    assert "1 Versuch wurde neu bewertet. 1 Bewertung hat sich geändert und wird an das LMS gesendet." in done
    assert not re.search(r"\bNoten?\b", done)


def _two_of_four(text: str = "Which two?", options: str = "abcd") -> dict:
    return {"id": "m", "type": "multiple", "text": {"de": text, "en": text}, "points": 2.0,
            "options": [{"id": o, "text": o.upper(), "correct": o in "ab"} for o in options]}


def _regrade_after(app, teacher, make_launch, caplog, stored: dict, latest: dict):
    """One finished attempt whose answer to question m is `stored` (saved as it is, as a row
    from an older version or a corrupt one would be), then the question edited to `latest`
    and published: the regrade's plan and what it logged."""
    course_id = course_of_launch(app, teacher)
    [bank_id] = _bank(app, course_id, _two_of_four())
    with app.app_context():
        quiz = cq.create_quiz(course_id, "picks", {"de": "Auswahl", "en": "Picks"}, "accuracy")
        _, draft = cq.draft_of(course_id, quiz.id)
        cq.add_questions(course_id, draft, [bank_id])
        assert cq.publish(course_id, quiz.id).version == 1
        quiz_id = quiz.id
        db.session.scalars(select(ResourceLink).where(ResourceLink.link_id == "link-1")).one().quiz_slug = "picks"
        db.session.commit()
    sam = make_launch("student", user_sub="sam")
    with app.app_context():
        launch = db.session.get(LaunchSession, sam)
        attempt = attempts.start_attempt(db.session.get(ResourceLink, launch.resource_link_id), launch.user_id,
                                         utcnow())
        db.session.add(Answer(attempt_id=attempt.id, question_id="m", response=stored, saved_at=utcnow()))
        attempts.submit_attempt(attempt, utcnow())
        db.session.commit()
        marks, attempt_id = attempt.marks, attempt.id
        bank.save_question(course_id, latest, question_id=bank_id)
        assert cq.publish(course_id, quiz_id).version == 2
        db.session.commit()
    caplog.clear()
    caplog.set_level(logging.INFO)
    with app.app_context():
        plan = cq.plan_regrade(course_id, quiz_id)
    logged = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "kontor.authoring"]
    return marks, attempt_id, plan, logged


def test_regrade_keeps_the_marks_of_an_answer_the_latest_version_cannot_read(app, client, teacher, make_launch,
                                                                              caplog):
    """The new version removed an option the student chose (b, one of the two right ones: the
    student had full marks under version 1): the latest version cannot read that answer, so the
    regrade cannot judge it and keeps its marks rather than taking them away for the instructor's edit."""
    marks, attempt_id, plan, logged = _regrade_after(app, teacher, make_launch, caplog, {"choices": ["a", "b"]},
                                                     _two_of_four("Which two options?", options="acd"))
    assert marks == 2.0
    assert (plan.attempts, plan.changed_attempts, plan.rescored, plan.changes) == (1, 0, {}, [])
    assert logged == [(logging.WARNING, f"regrade of attempt {attempt_id} keeps the marks of question 'm': the "
                                        "latest version cannot read its stored answer")]


def test_regrade_gives_no_marks_to_an_answer_no_version_can_read(app, client, teacher, make_launch, caplog):
    """The key (a and b) plus an option no version has: the submission scored it as not answered,
    and the regrade does not hand it the marks the handler would give the readable part."""
    marks, _, plan, logged = _regrade_after(app, teacher, make_launch, caplog, {"choices": ["a", "b", "zz"]},
                                            _two_of_four("Which two options?"))
    assert marks == 0  # scored as not answered
    assert (plan.attempts, plan.changed_attempts, plan.rescored, plan.changes) == (1, 0, {}, [])
    assert len(logged) == 1


def test_copying_a_library_quiz_makes_bank_questions_and_leaves_the_library_alone(app, client, teacher, tmp_path):
    source = tmp_path / "lib-source.yaml"
    source.write_text(LIBRARY_QUIZ)
    with app.app_context():
        assert import_path(source).ok
        db.session.commit()
        library_before = db.session.scalars(select(Quiz).where(Quiz.slug == "lib-source")).one().latest_version
    token = session_csrf_token(app, client)
    taken = client.post(f"/l/{teacher}/authoring/quizzes/copy", data={"csrf_token": token, "source": "lib-source",
                                                                     "slug": "lib-source"})
    assert taken.status_code == 400 and "already used by the library" in taken.get_data(as_text=True)
    copied = client.post(f"/l/{teacher}/authoring/quizzes/copy", data={"csrf_token": token, "source": "lib-source",
                                                                      "slug": "my-source"})
    assert copied.status_code == 302
    quiz_id = int(re.search(r"/quizzes/(\d+)", copied.location).group(1))
    course = course_of_launch(app, teacher)
    with app.app_context():
        keys = {q.key: q.tags for q in db.session.scalars(select(BankQuestion).where(BankQuestion.course_id == course))}
        assert set(keys) == {"s1", "s2", "p1", "p2"}
        assert "lib-source-extra" in keys["p1"] and "lib-source" in keys["s1"]
        _, draft = cq.draft_of(course, quiz_id)
        assert draft.settings["grading"] == "last" and draft.title == {"de": "Quelle", "en": "Source"}
        assert draft.slots[-1] == {"draw": {"tag": "lib-source-extra", "count": 1}, "points": None}
        assert db.session.scalars(select(Quiz).where(Quiz.slug == "lib-source")).one().latest_version == library_before
    assert client.post(f"/l/{teacher}/authoring/quizzes/{quiz_id}/publish", data={"csrf_token": token}).status_code == 302
    # Copying again reuses the unchanged bank questions instead of duplicating them.
    client.post(f"/l/{teacher}/authoring/quizzes/copy", data={"csrf_token": token, "source": "lib-source", "slug": "again"})
    with app.app_context():
        assert db.session.scalar(select(db.func.count(BankQuestion.id)).where(BankQuestion.course_id == course)) == 4


# --- who may use it ----------------------------------------------------------------------------


def _rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("course_quizzes.")]
    assert len(rules) >= 10
    return rules


def _call(client, rule, launch_id, quiz_id, token):
    url = rule.build({k: v for k, v in {"launch_id": launch_id, "quiz_id": quiz_id, "index": 0}.items()
                      if k in rule.arguments})[1]
    if "POST" in rule.methods:
        return client.post(url, data={"csrf_token": token, "action": "up", "slug": "x-y", "source": "vat",
                                      "tag": "t", "count": "1", "questions": "1"})
    return client.get(url)


def test_every_route_checks_role_and_course(app, client, editor, make_launch):
    for rule in _rules(app):  # the owner
        assert _call(client, rule, editor["launch"], editor["quiz"], editor["token"]).status_code in (200, 302, 400), rule.rule
    student = make_launch("student", user_sub="ben")
    for rule in _rules(app):
        assert _call(client, rule, student, editor["quiz"], editor["token"]).status_code == 403, rule.rule
    other = make_launch("instructor", user_sub="olga", course_context="course-2", link_id="link-2")
    for rule in _rules(app):
        if "quiz_id" in rule.arguments:
            assert _call(client, rule, other, editor["quiz"], editor["token"]).status_code == 404, rule.rule
    other_page = client.get(f"/l/{other}/authoring/quizzes").get_data(as_text=True)
    assert "<code>vat</code>" not in other_page and "VAT" not in other_page
    stranger = app.test_client()
    token = session_csrf_token(app, stranger)
    for rule in _rules(app):
        assert _call(stranger, rule, editor["launch"], editor["quiz"], token).status_code == 403, rule.rule


def test_another_courses_bank_question_cannot_be_added(app, client, editor, make_launch):
    other = make_launch("instructor", user_sub="olga", course_context="course-2", link_id="link-2")
    foreign = _bank(app, course_of_launch(app, other), _tf("foreign"))[0]
    with app.app_context():
        _, draft = cq.draft_of(editor["course"], editor["quiz"])
        with pytest.raises(LookupError):
            cq.add_questions(editor["course"], draft, [foreign])
    response = client.post(f"/l/{editor['launch']}/authoring/quizzes/{editor['quiz']}/questions",
                           data={"csrf_token": editor["token"], "questions": str(foreign)})
    assert response.status_code == 400  # not among the choices
    assert all(s.get("question") != foreign for s in _slots(app, editor["quiz"]))


def test_the_quiz_list_page_has_unique_element_ids(client, teacher):
    """Two forms on one page each have a slug field; one id for both sent the copy form's label to
    the new-quiz field."""
    page = client.get(f"/l/{teacher}/authoring/quizzes").get_data(as_text=True)
    # (Each form's hidden CSRF input is id="csrf_token"; nothing labels or targets it.)
    ids = [i for i in re.findall(r'\sid="([^"]+)"', page) if i != "csrf_token"]
    assert ids and len(ids) == len(set(ids))
    assert 'for="copy-slug"' in page
