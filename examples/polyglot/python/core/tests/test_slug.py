from textkit import slugify


def test_slugify_drops_accents_and_punctuation():
    assert slugify("Héllo, World!") == "hello-world"


def test_slugify_of_nothing_is_empty():
    assert slugify("  ...  ") == ""
