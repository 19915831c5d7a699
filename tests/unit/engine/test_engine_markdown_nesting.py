"""Bold and italic are always properly nested (issue 9: ``***x***`` rendered ``<strong><em>x</strong></em>``)."""
from __future__ import annotations

import itertools
import re

import pytest

from lms_module.engine.text import render_markdown


@pytest.mark.parametrize("source, html", [
    ("***x***", "<em><strong>x</strong></em>"),
    ("**a *b* c**", "<strong>a <em>b</em> c</strong>"),
    ("*a **b** c*", "<em>a <strong>b</strong> c</em>"),
    ("***a** b*", "<em><strong>a</strong> b</em>"),
    ("***a* b**", "<strong><em>a</em> b</strong>"),
    ("*a* and *b*", "<em>a</em> and <em>b</em>"),
    ("**unclosed", "**unclosed"),
    ("2*3*4", "2*3*4"),
])
def test_emphasis_nests(source, html):
    assert render_markdown(source) == html


def _well_nested(html: str) -> bool:
    stack = []
    for closing, tag in re.findall(r"<(/?)(strong|em)>", html):
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            return False
    return not stack


def test_every_mix_of_stars_and_words_gives_well_nested_tags():
    pieces = ["*", "**", "***", "a", " ", "b"]
    for length in range(1, 7):
        for combo in itertools.product(pieces, repeat=length):
            source = "".join(combo)
            assert _well_nested(render_markdown(source)), source
