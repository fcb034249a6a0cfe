"""reports: a stand-in for a slow test file (1.2 s)."""
import time


def test_reports_1():
    time.sleep(0.6)
    assert 1 == 1


def test_reports_2():
    time.sleep(0.6)
    assert 2 == 2
