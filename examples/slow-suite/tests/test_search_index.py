"""search_index: a stand-in for a slow test file (1.8 s)."""
import time


def test_search_index_1():
    time.sleep(0.9)
    assert 1 == 1


def test_search_index_2():
    time.sleep(0.9)
    assert 2 == 2
