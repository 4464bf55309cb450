"""Text helpers: slugs and word counts."""
from .counting import top_words, word_count
from .slug import slugify

__all__ = ["slugify", "top_words", "word_count"]
