"""Templates render prepared data (STYLE habit 3): no SQL runs while the instructor page or the
grading queue is being rendered; the views gather the sync table, links and answer beforehand."""
from contextlib import contextmanager

from flask import before_render_template, template_rendered

from support.sql_statements import listening_to

MIXED_ANSWERS = {"pick": {"choice": "a"}, "many": {"choices": ["a", "b"]}, "truth": {"value": True},
                 "essay": {"text": "Two people check every payment."}}


@contextmanager
def sql_during_rendering(app):
    """The statements executed while a template of `app` is rendering (its own render, not the view)."""
    depth, seen = [0], []

    def started(sender, template, context, **extra):
        depth[0] += 1

    def finished(sender, template, context, **extra):
        depth[0] -= 1

    def executed(conn, cursor, statement, parameters, context, executemany):
        if depth[0]:
            seen.append(statement)

    with listening_to(app, "before_cursor_execute", executed):
        before_render_template.connect(started, app)
        template_rendered.connect(finished, app)
        try:
            yield seen
        finally:
            template_rendered.disconnect(finished, app)
            before_render_template.disconnect(started, app)


def test_the_instructor_page_and_grading_queue_query_nothing_from_jinja(app, client, make_launch, quizzes,
                                                                        student, attempt_for):
    teacher = make_launch("instructor", quiz_slug=quizzes["mixed"], user_sub="teacher", link_id="link-mixed")
    fay = student("fay", name="Fay Fuchs", link="link-mixed")
    attempt_for(fay, MIXED_ANSWERS, link="link-mixed")  # an essay waits in the queue, a sync row exists

    with sql_during_rendering(app) as seen:
        home = client.get(f"/l/{teacher}/instructor")
        queue = client.get(f"/l/{teacher}/reports/grading")
    assert home.status_code == 200 and queue.status_code == 200
    assert "Fay Fuchs" in home.get_data(as_text=True)  # the sync table, prepared by the view
    assert "Two people check every payment." in queue.get_data(as_text=True)
    assert seen == []


def test_the_query_helpers_are_not_template_globals(app):
    assert "instructor_panels" not in app.jinja_env.globals
    assert "instructor_links" not in app.jinja_env.globals
