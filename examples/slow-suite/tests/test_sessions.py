"""sessions: a stand-in for a slow test file (0.4 s)."""
import time


def test_sessions_1():
    time.sleep(0.4)
    assert 1 == 1
