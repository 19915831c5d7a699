"""HTML from exchange files → Kontor markup: the one converter GIFT, Moodle XML and QTI read with,
its rules and each of its options."""
from __future__ import annotations

import html

import pytest

from lms_module.engine.formats import format_named
from lms_module.engine.formats.html_markup import html_to_markup


@pytest.mark.parametrize("source, expected", [
    ("<p>a <b>bold</b> and <i>it</i></p>", "a **bold** and *it*"),
    ("<p>one</p><p>two</p>", "one\ntwo"),
    ("x<br>y", "x\ny"),
    ("<strong> spaced </strong>word", "**spaced** word"),  # a mark must touch its text to render
    ("x <b></b>y", "x y"),  # an empty mark is dropped
    ("&lt;script&gt; &amp; &eacute;", "<script> & é"),
    ("<script>alert(1)</script>safe<style>p{}</style>", "safe"),
    ("<code>a*b</code> <tt>t</tt> <kbd>k</kbd> <samp>s</samp>", "`a*b` `t` `k` `s`"),
    ("<div>one</div><div>two</div>", "one\ntwo"),
    ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
    ("<table><tr><th>A</th><td>B</td></tr><tr><td>C</td><td>D</td></tr></table>", "A | B\nC | D"),
    ("<p>para  with\n  a line break in the source</p>", "para with a line break in the source"),
    ("<b>un<i>closed", "**un*closed***"),  # nh3 closes what the file left open
    ("a<br><br><br><br>b", "a\n\nb"),
])
def test_html_becomes_kontor_markup(source, expected):
    assert html_to_markup(source).text == expected


def test_html_that_kontor_cannot_show_is_flattened_and_reported():
    converted = html_to_markup('<table><tr><td>A</td><td>B</td></tr></table><a href="x">link</a>')
    assert "<" not in converted.text and "A" in converted.text and "link" in converted.text
    assert {"table", "a"} <= converted.lost
    assert html_to_markup("<p>a <b>b</b> <span>c</span><br></p>").lost == set()
    # Tags are those an HTML parser sees: not inside a comment or a script.
    assert html_to_markup('<!-- <table> -->ok<script>"<table>"</script>').lost == {"script"}


def test_embedded_content_is_dropped_with_its_text_and_reported():
    converted = html_to_markup('<iframe src="x">frame text</iframe><noscript>ns</noscript>'
                               '<object data="x">fallback</object><svg><text>t</text></svg>kept')
    assert converted.text == "kept"
    assert {"iframe", "noscript", "object", "svg"} <= converted.lost


def test_no_attribute_or_markup_survives():
    converted = html_to_markup('<a href="javascript:alert(1)" onclick="x()">click</a> <b style="x">b</b>')
    assert converted.text == "click **b**"


def test_lang_on_any_html_element_becomes_a_mark_and_a_language_kontor_cannot_mark_is_noted():
    assert html_to_markup('<p>Say <span lang="en-GB">cheers</span> and <em lang="de">tschüss</em></p>').text == (
        "Say [cheers]{lang=en} and [*tschüss*]{lang=de}")
    converted = html_to_markup('<p><span lang="fr">merci</span> <span lang="en">a<br>b</span></p>')
    assert converted.text == "merci a\nb"
    assert converted.lost == {'lang="fr"', 'lang="en"'}
    block = html_to_markup('<p lang="en">a whole paragraph</p>')  # a phrase mark is inline
    assert block.text == "a whole paragraph" and block.lost == {'lang="en"'}


# --- options ----------------------------------------------------------------------------------------


def test_option_paragraph_break_separates_paragraphs_only():
    source = "<p>one</p><p>two</p><ul><li>x</li></ul>three<p>four</p>"
    assert html_to_markup(source).text == "one\ntwo\n- x\nthree\nfour"
    assert html_to_markup(source, paragraph_break="\n\n").text == "one\n\ntwo\n- x\nthree\nfour"


def test_option_multilang_keeps_the_asked_language_else_the_first():
    source = ('<p><span class="multilang" lang="en">One <b>two</b></span>'
              '<span class="multilang" lang="de">Eins <b>zwei</b></span></p>')
    assert html_to_markup(source, multilang="de").text == "Eins **zwei**"
    assert html_to_markup(source, multilang="en").text == "One **two**"
    french = '<span class="multilang" lang="fr">Un</span><span class="multilang" lang="it">Uno</span>'
    assert html_to_markup(french, multilang="de").text == "Un"
    kept = html_to_markup(french, multilang="de")
    assert kept.lost == set()  # the other languages are alternatives, not lost formatting
    # Without the option a multilang span is an ordinary element with a language.
    assert html_to_markup(source).text == "[One **two**]{lang=en}[Eins **zwei**]{lang=de}"
    # Other spans keep their phrase marks next to multilang ones.
    mixed = '<span class="multilang" lang="en">Say <span lang="de">Tschüss</span></span><span class="multilang" lang="de">x</span>'
    assert html_to_markup(mixed, multilang="en").text == "Say [Tschüss]{lang=de}"


def test_option_images_writes_placeholders_and_lists_the_files():
    source = ('<p>See <img src="@@PLUGINFILE@@/chart%20one.png" alt="c">, <img src="https://e.example/x.png" '
              'alt="the  logo"> and <img src="https://e.example/y.png"></p>')
    converted = html_to_markup(source, images=True)
    assert converted.text == "See [image: chart one.png], [image: the logo] and [image]"
    assert converted.images == ["chart one.png"] and converted.external_images == 2
    assert "img" not in converted.lost
    without = html_to_markup(source)
    assert " ".join(without.text.split()) == "See , and" and "img" in without.lost and without.images == []


# --- one converter for every format -------------------------------------------------------------------


def test_gift_moodle_and_canvas_read_the_same_html_alike():
    fragment = ('<p>Is <b>this</b> <span lang="en">right</span>?</p><ul><li>one</li></ul>'
                '<table><tr><td>A</td><td>B</td></tr></table><script>x()</script>')
    expected = "Is **this** [right]{lang=en}?\n- one\nA | B"
    gift = "::q::[html]" + "".join("\\" + c if c in "~=#{}:" else c for c in fragment) + "{T}"
    moodle = (f'<quiz><question type="truefalse"><name><text>q</text></name><questiontext format="html">'
              f'<text><![CDATA[{fragment}]]></text></questiontext><answer fraction="100"><text>true</text></answer>'
              '<answer fraction="0"><text>false</text></answer></question></quiz>')
    canvas = ('<questestinterop><assessment ident="a" title="t"><section ident="s"><item ident="i" title="q">'
              '<itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>question_type</fieldlabel>'
              '<fieldentry>true_false_question</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>'
              f'<presentation><material><mattext texttype="text/html">{html.escape(fragment)}</mattext></material>'
              '<response_lid ident="r"><render_choice><response_label ident="1"><material><mattext>True</mattext>'
              '</material></response_label><response_label ident="2"><material><mattext>False</mattext></material>'
              '</response_label></render_choice></response_lid></presentation><resprocessing><respcondition>'
              '<conditionvar><varequal respident="r">1</varequal></conditionvar>'
              '<setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing></item></section>'
              '</assessment></questestinterop>')
    for name, data in (("gift", gift), ("moodlexml", moodle), ("qti", canvas)):
        bank = format_named(name).read(data.encode(), language="en")
        assert bank.questions[0].text.en == expected, name
        assert bank.notes, name  # the list, the table and the script were reported
