"""Shared test configuration: hypothesis profiles and small fixtures.

Profiles: `ci` (the default, bounded so the suite stays fast on a 2-core machine), `dev` (more
examples), `thorough` (long searches, for `pytest -m slow` runs). Choose with HYPOTHESIS_PROFILE.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=timedelta(seconds=2), derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]

# Parsed rule files are cached per user; tests keep theirs out of the user's cache.
os.environ.setdefault("DOKPAMO_CACHE_DIR", tempfile.mkdtemp(prefix="dokpamo-test-cache-"))


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root (examples, rules and docs are read from the checkout)."""
    return ROOT
