"""Shared fixtures: the repository's data/ and a scratch folder per test."""
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def data():
    return os.path.join(ROOT, "data")
