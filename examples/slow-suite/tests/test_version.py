"""version: a stand-in for a slow test file (0.2 s)."""
import time


def test_version_1():
    time.sleep(0.2)
    assert 1 == 1
