"""The import format a file's content looks like (engine.formats.format_for_content): what the
import page suggests when the chosen format found nothing in the file."""
import io
import zipfile
from pathlib import Path

import pytest

from lms_module.engine import limits
from lms_module.engine.formats import format_for_content

FIXTURES = Path(__file__).parents[3] / "fixtures" / "formats"
LIBRARY = Path(__file__).parents[4] / "quizzes"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("path, expected", [
    ("moodle_xml/all-features.xml", "moodlexml"),
    ("gift/every-feature.gift", "gift"),
    ("aiken/every-feature.txt", "aiken"),
    ("qti/qti21/items/choice.xml", "qti"),
    ("qti/canvas/gquiz1/gquiz1.xml", "qti"),
    ("qti/qti21/test.xml", "qti"),
])
def test_each_formats_example_is_recognised(path, expected):
    assert format_for_content((FIXTURES / path).read_bytes()) == expected


def test_a_kontor_quiz_file_and_a_qti_package_are_recognised():
    assert format_for_content(next(LIBRARY.rglob("*.yaml")).read_bytes()) == "yaml"
    package = FIXTURES / "qti" / "qti21"
    assert format_for_content(_zip({p.relative_to(package).as_posix(): p.read_bytes()
                                    for p in package.rglob("*") if p.is_file()})) == "qti"


@pytest.mark.parametrize("data, expected", [
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- exported -->\n<quiz>\n</quiz>', "moodlexml"),
    (b"<quiz><question type='truefalse'/></quiz>", "moodlexml"),
    (b'<?xml version="1.0"?><qti:assessmentItem xmlns:qti="x"/>', "qti"),
    (b"<questestinterop></questestinterop>", "qti"),
    (b"::Q1:: Is VAT 19 %? {T}", "gift"),
    (b"Which rate applies? {=19 % ~7 % ~0 %}", "gift"),
    (b"$CATEGORY: rates\n\nWrite about VAT. {}", "gift"),
    (b"What is VAT?\nA. A tax\nB) A fee\nANSWER: A\n", "aiken"),
    (b"slug: vat\ntitle: VAT\nquestions:\n  - {id: a, type: true_false, text: x, answer: true}\n", "yaml"),
])
def test_the_shapes_that_tell_a_format(data, expected):
    assert format_for_content(data) == expected


@pytest.mark.parametrize("data", [
    b"", b"Just some text without any answers.", b"<html><body>not a quiz</body></html>",
    b"\xff\xfe\x00t\x00e\x00x\x00t", _zip({"document.xml": b"<w:document/>"}), b"PK\x03\x04 broken",
    b"ANSWER: A\n",  # an ANSWER line without options is no Aiken question
])
def test_other_content_looks_like_no_format(data):
    assert format_for_content(data) is None


def test_a_file_beyond_the_import_limit_is_not_examined():
    assert format_for_content(b"::t:: x {T}" + b" " * limits.MAX_IMPORT_BYTES) is None
