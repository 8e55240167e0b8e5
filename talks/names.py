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
from bisect import bisect_left
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


def _pieces(name: str) -> list[tuple[str, int]]:
    """A name's words and each two neighbouring words written as one
    ("Nur Sultan" is also "nursultan"), with how many words each is."""
    words = name.split()
    return [(word, 1) for word in words] + [(a + b, 2) for a, b in pairwise(words)]


def _combined(found: list[tuple[float, int]], words: int, joined: int | None) -> float:
    """A name's likeness from how alike each word typed is to its best piece
    (and how many of the name's words that piece is), out of the name's
    `words`; `joined`, the size of a piece that all the words typed, written
    as one, are (the reader wrote "Nur Sultan" for "Nursultan"), if any.
    Less a point for each word of the name the reader left out."""
    score = 0.0
    if min(likeness for likeness, _ in found) >= WORD_LIKENESS:
        covered = sum(size for _, size in found)
        score = sum(likeness for likeness, _ in found) / len(found) - max(0, words - covered)
    if joined is not None:
        score = max(score, 100.0 - max(0, words - joined))
    return score


def likeness(query: str, name: str) -> float:
    """How alike a query's key is to a name's key, 0 to 100: each word the
    reader typed against the name's word most like it (two words of the name
    written as one count too: "Nursultan", "Nur-Sultan"), and a little less
    for each word of the name the reader left out. 0 when any word typed has
    nothing like it in the name."""
    words, theirs = query.split(), name.split()
    if not words or not theirs:
        return 0.0
    pieces = _pieces(name)
    found = [max((_word_likeness(word, piece), size) for piece, size in pieces) for word in words]
    whole = "".join(words)
    joined = next((size for piece, size in pieces if piece == whole), None) if len(words) > 1 else None
    return _combined(found, len(theirs), joined)


class NameIndex:
    """Name keys made ready for many searches: every piece of every name
    (its words, and two neighbouring words written as one) with the names
    that have it. A search weighs each word typed against the pieces, in
    rapidfuzz, once; a name's likeness is then read from those weights, and
    only for the names that have a piece like every word typed. Gives the
    same likeness as likeness()."""

    def __init__(self, names: list[str]):
        self.names = names
        self.pieces_of = [_pieces(name) for name in names]
        self.postings: dict[str, set[int]] = {}
        for i, pieces in enumerate(self.pieces_of):
            for piece, _ in pieces:
                self.postings.setdefault(piece, set()).add(i)
        self.pieces = sorted(self.postings)
        self.by_length: dict[int, list[str]] = {}
        for piece in self.pieces:
            self.by_length.setdefault(len(piece), []).append(piece)

    def _weights(self, word: str) -> dict[str, float]:
        """The pieces like the word, with how alike (see _word_likeness)."""
        if len(word) < SHORT:
            return {word: 100.0} if word in self.postings else {}
        weights = {}
        # Only pieces whose length lets them reach the cutoff: fuzz.ratio is
        # at most 200 * shorter / (both lengths), when one is the other with
        # letters left out. A five-letter word is weighed against a fifth of
        # the pieces, not all 200,000 of them at scale 1,000.
        for size, pieces in self.by_length.items():
            if 200 * min(size, len(word)) / (size + len(word)) >= WORD_LIKENESS:
                found = process.extract(word, pieces, scorer=fuzz.ratio, score_cutoff=WORD_LIKENESS, limit=None)
                weights.update((piece, score) for piece, score, _ in found)
        # Pieces the word begins (the reader is still typing), from the sorted list.
        for piece in self.pieces[bisect_left(self.pieces, word) :]:
            if not piece.startswith(word):
                break
            weights[piece] = 100.0 if piece == word else max(weights.get(piece, 0.0), 90.0)
        return weights

    def _having(self, weights: dict[str, float]) -> set[int]:
        return set().union(*(self.postings[piece] for piece in weights)) if weights else set()

    def most_alike(self, query: str) -> dict[int, float]:
        """The names like the query's key, by their place in the list, with
        their likeness."""
        words = query.split()
        if not words:
            return {}
        weights = {word: self._weights(word) for word in dict.fromkeys(words)}
        candidates = set.intersection(*(self._having(found) for found in weights.values()))
        whole = "".join(words)
        if len(words) > 1:
            candidates |= self.postings.get(whole, set())
        alike = {}
        for i in candidates:
            pieces = self.pieces_of[i]
            found = [max((weights[word].get(piece, 0.0), size) for piece, size in pieces) for word in words]
            joined = next((size for piece, size in pieces if piece == whole), None) if len(words) > 1 else None
            if (score := _combined(found, len(self.names[i].split()), joined)) > 0:
                alike[i] = score
        return alike


def most_alike(query: str, names: list[str]) -> dict[int, float]:
    """Of a list of name keys, those like the query's key, by their place in
    the list, with their likeness."""
    return NameIndex(names).most_alike(query)
