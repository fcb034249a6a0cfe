"""uploads: a stand-in for a slow test file (0.3 s)."""
import time

import pytest


def test_uploads_1():
    time.sleep(0.15)
    assert 1 == 1


def test_uploads_2():
    time.sleep(0.15)
    assert 2 == 2


@pytest.mark.skip(reason="needs an object store")
def test_uploads_to_s3():
    pass
