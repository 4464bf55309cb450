from collections import Counter
from typing import List, Tuple

from .slug import slugify


def word_count(text: str) -> int:
    """Number of words, counted on the slug so punctuation never counts."""
    slug = slugify(text)
    return len(slug.split("-")) if slug else 0


def top_words(text: str, n: int = 3) -> List[Tuple[str, int]]:
    """The n most frequent words, most frequent first, ties in order of appearance."""
    return Counter(w for w in slugify(text).split("-") if w).most_common(n)
