"""issue 9: odd digits in the accommodation form are a refusal with a message, not a 500."""
from datetime import timezone

import pytest

from lms_module.attempts.accommodations import parse_accommodation
from lms_module.attempts.marks import ChangeRefused


@pytest.mark.parametrize("raw", ["²", "٣", "３", "9" * 5000])
def test_unicode_or_endless_digits_are_refused(raw):
    with pytest.raises(ChangeRefused) as refused:
        parse_accommodation(raw, "0", None, timezone.utc)
    assert refused.value.reason == "extra_attempts_invalid"
    with pytest.raises(ChangeRefused):
        parse_accommodation("0", raw, None, timezone.utc)


def test_ordinary_values_are_taken():
    assert parse_accommodation("2", "30", None, timezone.utc).extra_minutes == 30
