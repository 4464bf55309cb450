from typing import TYPE_CHECKING, Any, Dict

from textkit import slugify, top_words, word_count

if TYPE_CHECKING:
    from textkit.counting import List  # only for type checkers


def handle(request: Dict[str, Any]) -> Dict[str, Any]:
    """Answers {'text': ...} with its slug, word count and top words."""
    text = str(request.get("text", ""))
    if not text.strip():
        return {"status": 400, "error": "text is required"}
    return {"status": 200, "slug": slugify(text), "words": word_count(text), "top": top_words(text)}
