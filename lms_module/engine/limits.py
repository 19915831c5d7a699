"""How large and how extreme quiz content and answers may be: one place for every format.

A quiz file is data from a person Kontor does not fully trust (an instructor's upload, later
GIFT, Moodle XML or QTI imports). Every importer refuses content beyond these limits *before*
anything is stored, and scoring never meets a number it cannot compute with. The limits are far
above what the built-in library uses (see quizzes/README.md, "Limits").
"""

from __future__ import annotations

from decimal import Decimal

# --- a file and its structure ----------------------------------------------------------------
MAX_FILE_BYTES = 1024 * 1024  # one quiz file (upload and command line alike)
MAX_NESTING = 32  # levels of mappings/lists; the deepest quiz content needs about 10
MAX_TEXT_CHARS = 20_000  # one text (a question, an option, a document body, one language)
MAX_TOTAL_CHARS = 1_000_000  # all texts of one quiz together
MAX_QUESTIONS = 500  # questions per quiz
MAX_OPTIONS = 50  # options, pairs, items, gaps, fields, accepted answers per question
MAX_LIST_ITEMS = 500  # any other list (table rows, ...)

# --- numbers -------------------------------------------------------------------------------
MAX_POINTS = 1000  # one question: 0 < points <= 1000
MAX_TOTAL_POINTS = 100_000  # one quiz
MAX_NUMBER_DIGITS = 20  # digits in an answer or a number a student types
MAX_NUMBER_ABS = Decimal(10) ** 15  # expected answers and tolerances: |x| < 10^15
MAX_TIME_LIMIT_MINUTES = 1440  # one day
MAX_ATTEMPTS = 100  # 0 = unlimited
MAX_WORDS = 100_000  # essay min_words / max_words


def digit_count(text: str) -> int:
    """How many ASCII digits `text` holds (what a number's size is judged by)."""
    return sum("0" <= char <= "9" for char in text)

# --- question bank imports (GIFT, Aiken, Moodle XML, QTI) -------------------------------------
MAX_IMPORT_BYTES = 10 * 1024 * 1024  # one uploaded bank file, or one file inside a QTI zip
MAX_IMPORT_QUESTIONS = 2000  # questions in one import
MAX_XML_DEPTH = 64  # element nesting in Moodle XML / QTI
MAX_ZIP_ENTRIES = 2000  # files in a QTI package
MAX_ZIP_TOTAL_BYTES = 50 * 1024 * 1024  # all files of a QTI package, unpacked
MAX_ZIP_RATIO = 200  # unpacked / packed size of one member (zip bombs reach thousands)
MAX_IMAGE_BYTES = 2 * 1024 * 1024  # one embedded image
