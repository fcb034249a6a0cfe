"""notifications: a stand-in for a slow test file (0.6 s)."""
import time


def test_notifications_1():
    time.sleep(0.3)
    assert 1 == 1


def test_notifications_2():
    time.sleep(0.3)
    assert 2 == 2
