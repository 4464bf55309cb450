"""A toy bag-of-words 'model' trained from text."""
