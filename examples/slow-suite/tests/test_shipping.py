"""shipping: a stand-in for a slow test file (0.8 s)."""
import time


def test_shipping_1():
    time.sleep(0.4)
    assert 1 == 1


def test_shipping_2():
    time.sleep(0.4)
    assert 2 == 2
