from typing import Dict, Iterable

from textkit import slugify


def train(corpus: Iterable[str]) -> Dict[str, float]:
    """Word frequencies over the corpus, normalised to sum to 1."""
    counts: Dict[str, int] = {}
    for line in corpus:
        for word in filter(None, slugify(line).split("-")):
            counts[word] = counts.get(word, 0) + 1
    total = sum(counts.values())
    return {w: c / total for w, c in sorted(counts.items())} if total else {}
