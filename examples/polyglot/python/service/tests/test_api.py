from wordservice import handle


def test_handle_counts_words():
    response = handle({"text": "Nx and Python, Python and Nx"})
    assert response["status"] == 200
    assert response["slug"] == "nx-and-python-python-and-nx"
    assert response["words"] == 6
    assert response["top"][0] == ("nx", 2)


def test_handle_rejects_empty_text():
    assert handle({"text": "   "})["status"] == 400
