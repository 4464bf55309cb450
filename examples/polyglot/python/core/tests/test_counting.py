from textkit import top_words, word_count


def test_word_count(sample_text):
    assert word_count(sample_text) == 11


def test_top_words(sample_text):
    assert top_words(sample_text, 1) == [("the", 3)]
