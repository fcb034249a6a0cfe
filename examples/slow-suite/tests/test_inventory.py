"""inventory: a stand-in for a slow test file (0.9 s)."""
import time


def test_inventory_1():
    time.sleep(0.3)
    assert 1 == 1


def test_inventory_2():
    time.sleep(0.3)
    assert 2 == 2


def test_inventory_3():
    time.sleep(0.3)
    assert 3 == 3
