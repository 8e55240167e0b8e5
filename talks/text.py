"""Text as people type and copy it: names folded for matching, and excerpts
found in their source however the line breaks fell and whichever quotes,
apostrophes, dashes and spaces the copy came out with."""

import re
import unicodedata


def fold(text: str) -> str:
    """Text reduced for matching names: no accents, case, apostrophes or
    punctuation, so that "Ja'afari", "JAAFARI" and "Jaafari" meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = re.sub(r"['\u2018\u2019\u02bb\u02bc`]", "", bare.casefold())
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


# Characters that a copy and its source often disagree on, each mapped to the
# one form both are compared in. One character for one, so that a position in
# the compared text is the same position in the source's own.
TYPOGRAPHIC = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4\u02bc`", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u00a0\u2007\u2009\u200a\u202f", " "),
    }
)


def _words(text: str) -> list[str]:
    return text.translate(TYPOGRAPHIC).split()


def _search(text: str, words: list[str]) -> re.Match | None:
    return re.search(r"\s+".join(map(re.escape, words)), text.translate(TYPOGRAPHIC))


def find_excerpt(text: str, excerpt: str) -> tuple[int, int] | None:
    """Where the excerpt stands in the text, as (start, end) offsets, or None.
    Any run of white space counts as one space, so a passage copied across a
    line break still matches, and curly and straight quotes and apostrophes,
    dashes and hyphens, and non-breaking and ordinary spaces count as the
    same: text[start:end] is then the passage in the source's own characters."""
    words = _words(excerpt)
    if not words:
        return None
    match = _search(text, words)
    return match.span() if match else None


def comparable(text: str) -> str:
    """The text as excerpts are compared with it: typographic variants made
    one, every run of white space one space. For checking many excerpts
    against one source, made once: `occurs_in` then answers as
    `find_excerpt` would, without the offsets, at the speed of `in`."""
    return " ".join(_words(text))


def occurs_in(compared: str, excerpt: str) -> bool:
    words = _words(excerpt)
    return bool(words) and " ".join(words) in compared


def where_it_differs(text: str, excerpt: str) -> str:
    """For an excerpt that is not in the text: how far it matches, and the
    first word where the source says something else."""
    words = _words(excerpt)
    if not words:
        return "the excerpt is empty"
    matched, match = 0, None
    # The longest run of the excerpt's first words that the source has.
    low, high = 1, len(words)
    while low <= high:
        middle = (low + high) // 2
        if found := _search(text, words[:middle]):
            matched, match, low = middle, found, middle + 1
        else:
            high = middle - 1
    original = excerpt.split()
    if matched == len(words):
        return "it occurs in the source"
    if match is None:
        return f"its first word, “{original[0]}”, does not occur in the source"
    shown = " ".join(original[max(0, matched - 6) : matched])
    following = text[match.end() :].split()
    source_has = f"“{following[0]}”" if following else "the end of the text"
    return (
        f"the first {matched} words match the source, up to “{shown}”; "
        f"then the excerpt has “{original[matched]}” where the source has {source_has}"
    )
