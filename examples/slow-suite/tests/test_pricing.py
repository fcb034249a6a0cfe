"""pricing: a stand-in for a slow test file (0.5 s)."""
import time


def test_pricing_1():
    time.sleep(0.5)
    assert 1 == 1
