"""Shared fixtures: a fresh in-memory store per test."""

from __future__ import annotations

import pytest

from forecast import db


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()
