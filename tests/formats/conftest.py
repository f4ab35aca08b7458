"""Fixtures for the formats tests: the schema folder, compiled schemas, sample documents."""

from __future__ import annotations

import pytest

from mulse_author.formats.schemas import load_schema


@pytest.fixture(scope="session")
def schema_root(shared_dir):
    return shared_dir / "schemas"


@pytest.fixture(scope="session")
def sem_schema(schema_root):
    return load_schema(schema_root, "sem")


@pytest.fixture(scope="session")
def ncl_schema(schema_root):
    return load_schema(schema_root, "ncl")
