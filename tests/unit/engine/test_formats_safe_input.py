"""The safe readers under every bank import: hostile XML and zips are refused before use."""
import io
import zipfile

import pytest

from lms_module.engine.formats import FormatError
from lms_module.engine.formats.safe_xml import parse_xml
from lms_module.engine.formats.safe_zip import read_zip

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<quiz>&lol3;</quiz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question>&secret;</question></quiz>"""


def test_a_billion_laughs_file_is_refused():
    with pytest.raises(FormatError, match="DTD"):
        parse_xml(BILLION_LAUGHS)


def test_an_external_entity_is_never_read():
    with pytest.raises(FormatError) as refused:
        parse_xml(EXTERNAL_ENTITY)
    assert "root:" not in str(refused.value)


def test_malformed_xml_names_its_line():
    with pytest.raises(FormatError) as refused:
        parse_xml(b"<quiz>\n<question>\n</quiz>")
    assert refused.value.findings[0].line is not None


def test_deep_nesting_is_refused():
    with pytest.raises(FormatError, match="nested deeper"):
        parse_xml(b"<a>" * 200 + b"</a>" * 200)


def test_good_xml_keeps_line_numbers():
    root = parse_xml(b"<quiz>\n  <question type='truefalse'/>\n</quiz>")
    assert root[0].sourceline == 2


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["../evil.xml", "a/../../evil.xml", "/etc/passwd", "C:/x.xml", "a\\..\\b.xml"])
def test_paths_that_leave_the_archive_are_refused(name):
    with pytest.raises(FormatError, match="path"):
        read_zip(_zip({name: b"x"}))


def test_a_zip_bomb_is_refused():
    with pytest.raises(FormatError, match="zip bomb|unpacks to more"):
        read_zip(_zip({"bomb.xml": b"\0" * (9 * 1024 * 1024)}))


def test_not_a_zip_is_a_clear_error():
    with pytest.raises(FormatError, match="not a readable zip"):
        read_zip(b"PK\x03\x04 but nothing else")


def test_a_good_archive_is_read():
    files = read_zip(_zip({"imsmanifest.xml": b"<manifest/>", "q/item.xml": b"<item/>"}))
    assert files == {"imsmanifest.xml": b"<manifest/>", "q/item.xml": b"<item/>"}
