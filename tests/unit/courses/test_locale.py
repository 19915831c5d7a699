import pytest

from lms_module.courses.locale import choose_locale


@pytest.mark.parametrize(
    "launch, browser, expected",
    [
        ("en", "de", "en"),  # the LMS's choice wins
        ("de-DE", "en", "de"),
        ("en_GB", None, "en"),
        ("fr", "en", "en"),  # unsupported launch locale: the browser's
        (None, "en", "en"),
        ("", None, "de"),  # nothing known: German
        ("fr", "it", "de"),
        (None, None, "de"),
    ],
)
def test_choose_locale(launch, browser, expected):
    assert choose_locale(launch, browser) == expected
