"""Every UI string is translated into German, and the compiled catalogs match their sources."""
import gettext
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "lms_module" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def _source_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "lms_module"), [(m.replace("lms_module/", "", 1), f) for m, f in method_map],
        options_map, keywords=KEYWORDS,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


def test_every_ui_string_has_a_german_translation():
    catalog = _catalog("de")
    missing = []
    for message in sorted(_source_messages()):
        entry = catalog.get(message)
        strings = [] if entry is None else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        if entry is None or not all(strings) or entry.fuzzy:
            missing.append(message)
    assert missing == [], "run `make translations` and translate these in de/LC_MESSAGES/messages.po"


def test_compiled_german_catalog_is_up_to_date():
    catalog = _catalog("de")
    with open(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string and compiled.gettext(m.id) != m.string]
    assert stale == [], "run `pybabel compile -d lms_module/translations`"


def test_english_catalog_exists_for_every_message():
    english = _catalog("en")
    missing = [m for m in _source_messages() if english.get(m) is None]
    assert missing == []


def test_german_translations_keep_the_placeholders():
    problems = [(message.id, [str(e) for e in errors]) for message, errors in _catalog("de").check()]
    assert problems == []


def test_german_wording_avoids_known_slips():
    """'Versuch' is the student's attempt everywhere in Kontor, so a retry is never 'ein neuer
    Versuch' (the autosave's 'Neuer Versuch läuft' read as a new attempt having started); and a
    request is asked once ('Bitte bitten Sie …' doubled it)."""
    slips = []
    for message in _catalog("de"):
        if not message.id or not message.string:
            continue
        english = message.id if isinstance(message.id, str) else " ".join(message.id)
        german = message.string if isinstance(message.string, str) else " ".join(message.string)
        if re.search(r"\bretr(y|ying|ies|ied)\b", english, re.I) and re.search(r"\bVersuch\b", german):
            slips.append(german)
        if re.search(r"\bbitte bitten\b", german, re.I):
            slips.append(german)
    assert slips == []
