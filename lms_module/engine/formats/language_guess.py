"""Which language an imported file's questions are written in, guessed from their words.

GIFT, Aiken, Moodle XML and QTI files hold one language and do not say which. The import reads
them into the language the person chose; when they leave it to Kontor, it counts the most frequent
small words of German and of English (articles, conjunctions, prepositions: every text has them,
whatever its subject) and the letters ä, ö, ü and ß. A clear majority names the language; too few
words, or no clear winner (a file in both languages), is no answer, and the caller falls back.

Pure code: no Flask, no database.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable

from ..text import Locale

# Only the first so many characters are read: a few questions are evidence enough, and a large file
# costs no more than a small one.
MAX_GUESS_CHARS = 16_000
# Fewer hits than this (one short question, a list of names) is too little to tell.
MIN_EVIDENCE = 5
# The winner needs at least this many times the other language's hits (bilingual files are no answer).
MAJORITY = 2

# Words of both languages ("in", "an", "was", "will", "so", "man") are in neither list: they would
# count for one side what the other writes as often.
_GERMAN = frozenset(
    "der die das und ist nicht ein eine einen einem einer zu mit für von den dem des auf sie wird sind "
    "im zum zur auch oder bei nach wie welche welcher welches wenn dass sich werden kann muss".split())
_ENGLISH = frozenset(
    "the and is of to a that it for are with be on this which what or by from as can must not "
    "when if does".split())
assert not _GERMAN & _ENGLISH
_TAG = re.compile(r"<[^<>]{0,500}>")
_WORD = re.compile(r"[^\W\d_]+")
_GERMAN_LETTERS = re.compile(r"[äöüß]")


def guess_language(texts: Iterable[str]) -> Locale | None:
    """"de" or "en" when the texts' words clearly say so, else None (too little text, or a mix).
    Reads at most MAX_GUESS_CHARS characters of the texts, in order. HTML tags are no words and an
    entity counts as the character it stands for (f&uuml;r is für, &amp; no word)."""
    german = english = 0
    left = MAX_GUESS_CHARS
    for text in texts:
        if left <= 0:
            break
        text = text[:left]
        left -= len(text)
        # lower(), not casefold(): casefold writes ß as "ss"
        words = _WORD.findall(html.unescape(_TAG.sub(" ", text)).lower())
        for word in words:
            if word in _GERMAN:
                german += 1
            elif word in _ENGLISH:
                english += 1
            if _GERMAN_LETTERS.search(word):
                german += 1
    if german + english < MIN_EVIDENCE:
        return None
    if german >= MAJORITY * english:
        return "de"
    if english >= MAJORITY * german:
        return "en"
    return None
