"""The language a person gets: the one the LMS says, then the browser's, then German."""
from __future__ import annotations

SUPPORTED_LOCALES = ("de", "en")


def choose_locale(launch_locale: str | None, accept_language_best: str | None, default: str = "de") -> str:
    """Launch locale first (the LMS knows the user's language), then the browser's, then German."""
    for candidate in (launch_locale, accept_language_best):
        if isinstance(candidate, str) and candidate:
            language = candidate.replace("_", "-").split("-")[0].lower()
            if language in SUPPORTED_LOCALES:
                return language
    return default
