"""Names as readers type them: a matching key under which the common
transliterations of one Arabic or Russian name meet without anyone storing
them, and a likeness between two keys so that a typo still finds the name.

The key is deliberately lossy. It is never shown; it only decides which
records a search considers, and the likeness ranks them. Two spellings a
reader would call the same name ("Ja'fari", "Jaafari", "al-Jaafari") get the
same key; two names that merely look alike ("Iran", "Iraq") do not, and are
too far apart for the likeness to join them.
"""

import re
import unicodedata
from itertools import pairwise

from rapidfuzz import fuzz, process

from .text import fold

# The Arabic article as it is transliterated before a name: al-, el-, ul-
# and, assimilated to a "sun letter", ash-, as-, ad-, ar-, at-, az-, an-, ath-,
# adh-. Taken only with its hyphen, or as the word "al"/"el" on its own, so
# that English words ("as", "an", "at") are left alone.
ARTICLE = re.compile(r"(?<![\w'])(?:al|el|ul|as|ash|ad|ar|at|az|an|ath|adh|dh)[-\u2010\u2011](?=\w)", re.IGNORECASE)
ARTICLE_WORDS = {"al", "el", "ul"}

# Letters that stand for ayn and hamza, and the marks some writers use for
# them; fold() already drops the apostrophes.
AYN_HAMZA = re.compile("[\u02be\u02bf\u02b9\u02bb\u02bc\u0621]")

# Dotted abbreviations: "U.N." and "U.S.A." are "UN" and "USA".
DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}")

# Letters of Arabic script that writers use one for another.
# Alef with hamza above, below, madda and wasla are alef; ta marbuta is ha;
# alef maqsura and ya with hamza are ya; waw with hamza is waw.
ALEF, LAM, HA, YA, WAW = "\u0627", "\u0644", "\u0647", "\u064a", "\u0648"
ARABIC = str.maketrans(
    {"\u0623": ALEF, "\u0625": ALEF, "\u0622": ALEF, "\u0671": ALEF, "\u0629": HA, "\u0649": YA, "\u0626": YA}
    | {"\u0624": WAW}
)

# Spellings of one sound (or of sounds that writers confuse: the French
# write "ch" for the English "sh"), replaced in one pass, the longer first so
# that "sch" is not read as "s" and "ch". The vowels are those that writers
# choose between in unstressed places: o/u, e/a, y/i.
SOUNDS = [
    ("sch", "s"),
    ("tch", "s"),
    ("ch", "s"),
    ("sh", "s"),
    ("kh", "h"),
    ("gh", "g"),
    ("dj", "j"),
    ("dh", "d"),
    ("ph", "f"),
    ("ck", "k"),
    ("q", "k"),
    ("ou", "u"),
    ("w", "u"),
    ("o", "u"),
    ("e", "a"),
    ("y", "i"),
]
SOUND = re.compile("|".join(re.escape(spelled) for spelled, _ in SOUNDS))
SOUND_OF = dict(SOUNDS)
DOUBLED = re.compile(r"(.)\1+")

# Common given names whose spellings the sound rules alone do not bring
# together, by a spelling of each to the key of its usual form.
GIVEN_NAMES = {
    "mohd": "muhamad",
    "mhd": "muhamad",
    "mehmet": "muhamad",
    "abdel": "abdul",
    "abdal": "abdul",
    "abdoul": "abdul",
}

# Two words of at least this many letters are compared for likeness; shorter
# ones (abbreviations such as UN and US) must be the same word.
SHORT = 4
# How alike (0 to 100) a word of the query must be to a word of the name.
WORD_LIKENESS = 80


# Languages written right to left, by the code an alias gives (BCP 47).
RIGHT_TO_LEFT = {"ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "syr", "ug", "ur", "yi"}


def direction(language: str) -> str:
    """ "rtl" for a language written right to left ("ar", "ku-Arab"), else ""
    (the page's own direction)."""
    code = language.lower()
    return "rtl" if code.split("-")[0] in RIGHT_TO_LEFT or code.endswith("-arab") else ""


def plain(text: str) -> str:
    """Text folded for matching words (see text.fold), with dotted
    abbreviations closed up first, so that "U.N." is the word "un"."""
    return fold(DOTTED.sub(lambda m: m.group(0).replace(".", ""), text))


def _word_key(word: str) -> str:
    if word in GIVEN_NAMES:
        return GIVEN_NAMES[word]
    if not word.isascii():
        # Arabic and Cyrillic keep their letters; Arabic's variant letters
        # meet, and its article, written joined to the word, goes.
        word = word.translate(ARABIC)
        if word.startswith(ALEF + LAM) and len(word) > 3:
            word = word[2:]
        return DOUBLED.sub(r"\1", word)
    key = SOUND.sub(lambda m: SOUND_OF[m.group(0)], word)
    key = DOUBLED.sub(r"\1", key)
    # A final -ah/-eh (ta marbuta) is written with and without its h.
    if len(key) > 3 and key.endswith("ah"):
        key = key[:-1]
    return GIVEN_NAMES.get(key, key)


def name_key(name: str) -> str:
    """The key under which spellings of one name meet: "Mohammed Aloush",
    "Muhammad Allouch" and "Mohammad Alloush" are all "muhamad alus"."""
    text = ARTICLE.sub("", AYN_HAMZA.sub("", unicodedata.normalize("NFC", name)))
    words = [word for word in plain(text).split() if word not in ARTICLE_WORDS]
    return " ".join(_word_key(word) for word in words)


def _word_likeness(word: str, other: str) -> float:
    if word == other:
        return 100.0
    if len(word) < SHORT or len(other) < SHORT:
        return 0.0
    if other.startswith(word):
        # The reader is still typing.
        return 90.0
    return fuzz.ratio(word, other)


def likeness(query: str, name: str) -> float:
    """How alike a query's key is to a name's key, 0 to 100: each word the
    reader typed against the name's word most like it (two words of the name
    written as one count too: "Nursultan", "Nur-Sultan"), and a little less
    for each word of the name the reader left out. 0 when any word typed has
    nothing like it in the name."""
    words, theirs = query.split(), name.split()
    if not words or not theirs:
        return 0.0
    # Each piece of the name with how many of its words it is.
    pieces = [(word, 1) for word in theirs] + [(a + b, 2) for a, b in pairwise(theirs)]

    def best(word: str) -> tuple[float, int]:
        return max((_word_likeness(word, piece), size) for piece, size in pieces)

    # Less a point for each word of the name that the reader's words left out.
    found = [best(word) for word in words]
    score = 0.0
    if min(likeness for likeness, _ in found) >= WORD_LIKENESS:
        covered = sum(size for _, size in found)
        score = sum(likeness for likeness, _ in found) / len(found) - max(0, len(theirs) - covered)
    if len(words) > 1 and (joined := best("".join(words)))[0] >= WORD_LIKENESS:
        score = max(score, joined[0] - max(0, len(theirs) - joined[1]))
    return score


def most_alike(query: str, names: list[str]) -> dict[int, float]:
    """Of a list of name keys, those like the query's key, by their place in
    the list, with their likeness. A quick pass in rapidfuzz keeps the names
    that have anything like a word of the query; only those are weighed."""
    words = query.split()
    if not words or not names:
        return {}
    candidates: set[int] = set()
    for word in {*words, "".join(words)}:
        if len(word) < SHORT:
            padded = f" {word} "
            candidates |= {i for i, name in enumerate(names) if padded in f" {name} "}
        else:
            found = process.extract(word, names, scorer=fuzz.partial_ratio, score_cutoff=75, limit=None)
            candidates |= {i for _, _, i in found}
    alike = {i: likeness(query, names[i]) for i in candidates}
    return {i: score for i, score in alike.items() if score > 0}
