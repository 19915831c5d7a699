"""The question navigation's buttons, formatted from prepared pieces (attempts/pages.nav_buttons)."""
from markupsafe import Markup

from lms_module.attempts.pages import NavItem, nav_buttons

LABELS = ("Question __N__", "answered", "not answered", "flagged for review")


def test_each_button_names_its_question_and_state_for_screen_readers():
    html = str(nav_buttons([NavItem(1, 1, "a", False, False, False), NavItem(2, 1, "b", True, True, True),
                            NavItem(3, 2, "c", True, False, False)], *LABELS))
    assert html.count("<li") == 3 and html.count('form="attempt-form" name="go"') == 3
    assert 'aria-label="Question 1: not answered">\n        1\n' in html
    assert ('<li class="q-nav__item q-nav__item--current">' in html and html.count("aria-current") == 1
            and 'value="page-1" class="q-nav__button"\n        aria-current="step"\n' in html)
    assert ('aria-label="Question 2: answered, flagged for review">\n        2<span aria-hidden="true"> ⚑</span>'
            '<span aria-hidden="true"> ✓</span>\n') in html
    assert 'value="page-2"' in html and 'aria-label="Question 3: answered">' in html


def test_labels_that_are_not_markup_are_escaped():
    html = nav_buttons([NavItem(1, 1, "a", False, True, False)], 'Q "__N__" <b>', "done", "open & new", "<flag>")
    assert isinstance(html, Markup)
    assert 'aria-label="Q &#34;1&#34; &lt;b&gt;: open &amp; new, &lt;flag&gt;"' in html
    assert "<b>" not in html and "<flag>" not in html
    # translations come from the template as Markup (already safe): kept as they are
    assert 'aria-label="Frage 1: offen, markiert"' in nav_buttons(
        [NavItem(1, 1, "a", False, True, False)], Markup("Frage __N__"), "x", Markup("offen"), Markup("markiert"))
