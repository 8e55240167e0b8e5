"""Text as people type and copy it: names folded for matching, and excerpts
found in their source however the line breaks fell."""

import re
import unicodedata


def fold(text: str) -> str:
    """Text reduced for matching names: no accents, case, apostrophes or
    punctuation, so that "Ja'afari", "JAAFARI" and "Jaafari" meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = re.sub(r"['\u2018\u2019\u02bb\u02bc`]", "", bare.casefold())
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def find_excerpt(text: str, excerpt: str) -> tuple[int, int] | None:
    """Where the excerpt stands in the text, as (start, end) offsets, or None.
    Any run of white space in either counts as one space, so a passage
    copied across a line break still matches."""
    words = excerpt.split()
    if not words:
        return None
    match = re.search(r"\s+".join(map(re.escape, words)), text)
    return match.span() if match else None
