"""The comparison point for booking throughput: an HTTP endpoint doing one INSERT + commit.

``bench.booking`` serves ``app`` with uvicorn (``bench.harness.bare_serve``) exactly as
``clinic serve`` runs the product (httptools, uvloop, the same worker count) against the
benchmark's own database, named in ``BENCH_DATABASE_URL``. The engine comes from ``core.db``,
so SQLite gets the same WAL mode, busy timeout and ``BEGIN IMMEDIATE`` write transactions as
the product. The throwaway table is created by ``bench.booking`` before the server starts
(``metadata.create_all``).
"""

from __future__ import annotations

import os
import uuid
from functools import lru_cache

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Column, MetaData, String, Table, Uuid, insert

from core.clock import SystemClock
from core.db import Database
from core.types import UTCDateTime

metadata = MetaData()
bare_inserts = Table(
    "bench_bare_insert",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("note", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

_clock = SystemClock()


class NoteIn(BaseModel):
    note: str = Field(min_length=1, max_length=200)


@lru_cache(maxsize=1)
def database() -> Database:
    """One engine per worker process, opened on the first request."""
    return Database.from_url(os.environ["BENCH_DATABASE_URL"])


app = FastAPI(title="bare insert", openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/insert", status_code=201)
def insert_one(body: NoteIn) -> dict[str, str]:
    """One INSERT and its commit, in a sync endpoint like the product's."""
    row_id = uuid.uuid4()
    with database().session() as session:
        session.execute(
            insert(bare_inserts).values(id=row_id, note=body.note, created_at=_clock.now())
        )
    return {"id": str(row_id)}
