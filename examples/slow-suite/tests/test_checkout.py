"""checkout: a stand-in for a slow test file (2.0 s)."""
import time


def test_checkout_1():
    time.sleep(1.0)
    assert 1 == 1


def test_checkout_2():
    time.sleep(1.0)
    assert 2 == 2
