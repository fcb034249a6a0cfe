"""catalog: a stand-in for a slow test file (0.5 s)."""
import time


def test_catalog_1():
    time.sleep(0.25)
    assert 1 == 1


def test_catalog_2():
    time.sleep(0.25)
    assert 2 == 2
