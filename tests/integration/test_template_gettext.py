"""Templates' _() and gettext() (web/locale.py) behave as Jinja's newstyle gettext: translated in
the request's language, the catalog's text trusted as markup, variables escaped, %% formatted."""
from flask import g


def render(app, source, locale, **values):
    with app.test_request_context("/"):
        g.locale = locale
        return app.jinja_env.from_string(source).render(**values)


def test_texts_are_translated_in_the_pages_language(app):
    assert render(app, "{{ _('Skip to content') }}", "de") == "Zum Inhalt springen"
    assert render(app, "{{ gettext('Skip to content') }}", "en") == "Skip to content"


def test_variables_are_escaped_and_the_text_is_always_formatted(app):
    assert render(app, "{{ _('Question %(n)s', n=n) }}", "en", n="<b>1</b>") == "Question &lt;b&gt;1&lt;/b&gt;"
    # No variables: still a format string, as with Jinja's own newstyle gettext ("%%" is one "%").
    assert render(app, "{{ _('100%% sure') }}", "en") == "100% sure"
    assert render(app, "{{ _('plain <em>text</em>') }}", "en") == "plain <em>text</em>"  # catalog text is trusted
    assert render(app, "{% trans n=3 %}Question {{ n }}{% endtrans %}", "de") == "Frage 3"
