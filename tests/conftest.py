"""Fixtures shared by the test files. Keep this small: helpers that only one
file needs live in that file."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def generator() -> torch.Generator:
    """A seeded generator: the same numbers every run, without touching torch's global seed."""
    return torch.Generator().manual_seed(0)


@pytest.fixture
def fresh_dynamo():
    """Forget every compiled graph before and after a test.

    Dynamo keeps a few compiled versions per function and quietly falls back to
    eager once that limit is hit, which would make later compile tests pass
    without compiling anything.
    """
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()
