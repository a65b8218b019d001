"""Shared test set-up."""

import pytest


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch):
    """Tests never create a key file in the real home folder."""
    monkeypatch.setenv("SENDCHECK_ID_KEY", "test-only-pseudonym-key")
