"""accounts: a stand-in for a slow test file (0.7 s)."""
import time


def test_accounts_1():
    time.sleep(0.35)
    assert 1 == 1


def test_accounts_2():
    time.sleep(0.35)
    assert 2 == 2
