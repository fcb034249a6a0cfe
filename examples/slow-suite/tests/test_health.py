"""health: a stand-in for a slow test file (0.2 s)."""
import time


def test_health_1():
    time.sleep(0.1)
    assert 1 == 1


def test_health_2():
    time.sleep(0.1)
    assert 2 == 2
