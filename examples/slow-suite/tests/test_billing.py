"""billing: a stand-in for a slow test file (1.0 s)."""
import time


def test_billing_1():
    time.sleep(0.5)
    assert 1 == 1


def test_billing_2():
    time.sleep(0.5)
    assert 2 == 2
