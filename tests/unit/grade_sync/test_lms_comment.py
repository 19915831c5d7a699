"""The feedback comment the LMS shows rounds like every page of Kontor (web/numbers.py)."""
import pytest
from flask import Flask
from flask_babel import Babel

from lms_module.grade_sync.grades import _comment
from lms_module.web.numbers import percent_label


@pytest.fixture
def app_context():
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield


@pytest.mark.parametrize("fraction", [0.1235, 0.0125, 0.2345, 0.75, 0.977272])
def test_the_lms_comment_shows_the_percentage_of_the_result_page(app_context, fraction):
    # Half-way values (12.35 %) are where round() and the one rounding rule used to part.
    # The comment is plain text for the LMS: the same number, with an ordinary space before the sign.
    shown = percent_label(fraction).replace("\u00a0", " ")
    assert _comment("en", fraction, "highest", False).startswith(f"Kontor: {shown} (")
