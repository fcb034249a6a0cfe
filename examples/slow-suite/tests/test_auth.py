"""auth: a stand-in for a slow test file (0.4 s)."""
import time


def test_auth_1():
    time.sleep(0.2)
    assert 1 == 1


def test_auth_2():
    time.sleep(0.2)
    assert 2 == 2
