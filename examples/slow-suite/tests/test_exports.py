"""exports: a stand-in for a slow test file (0.3 s)."""
import time


def test_exports_1():
    time.sleep(0.3)
    assert 1 == 1
