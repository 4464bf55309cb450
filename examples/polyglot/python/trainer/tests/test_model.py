from trainer.model import train


def test_train_normalises_frequencies():
    model = train(["a b a", "b c"])
    assert model == {"a": 0.4, "b": 0.4, "c": 0.2}


def test_train_on_nothing_is_empty():
    assert train([]) == {}
