"""The web app's database: runs, their trials and class sessions (SQLAlchemy 2).

SQLite (``sqlite:///motorseq.db``, the default) is opened in WAL mode (``synchronous=NORMAL``:
a committed trial survives the server being killed, SIGKILL included; only a power cut or an OS
crash could lose the last commits; set ``MOTORSEQ_SQLITE_SYNCHRONOUS=FULL`` to sync every commit);
(``postgresql://user@host/db``, through psycopg 3). Every trial is written in one transaction,
and ``(run_id, trial_index)`` is unique: a trial sent twice (a page re-sending its buffer after a
reload) is refused by the database itself, never stored twice.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

__all__ = [
    "Base",
    "ClassSession",
    "Database",
    "Run",
    "TrialRecord",
    "connect",
    "normalize_url",
]


class Base(DeclarativeBase):
    """Declarative base of the web tables."""


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


class ClassSession(Base):
    """A class: its join code, the teacher's secret token and the protocol it runs."""

    __tablename__ = "class_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    teacher_token: Mapped[str] = mapped_column(String(64))
    protocol_name: Mapped[str] = mapped_column(String(64))
    protocol_json: Mapped[str] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(Integer)
    created: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Run(Base):
    """One participant's run of a protocol in a browser."""

    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("protocol_name", "participant", "session", "run", name="uq_run_label"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("class_sessions.id"), nullable=True)
    participant: Mapped[str] = mapped_column(String(32))
    session: Mapped[str] = mapped_column(String(32))
    run: Mapped[int] = mapped_column(Integer, default=1)
    group: Mapped[str | None] = mapped_column(String(64), nullable=True)
    protocol_name: Mapped[str] = mapped_column(String(64))
    protocol_json: Mapped[str] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(Integer)
    n_trials: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="joined")  # joined, running, finished
    environment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished: Mapped[_dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TrialRecord(Base):
    """One finished trial: the raw key presses and onset as the page measured them, and its scored row."""

    __tablename__ = "trials"
    __table_args__ = (UniqueConstraint("run_id", "trial_index", name="uq_trial"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    trial_index: Mapped[int] = mapped_column(Integer)
    block: Mapped[int] = mapped_column(Integer)
    segment: Mapped[int] = mapped_column(Integer, default=1)
    onset_ms: Mapped[float] = mapped_column(Float)
    rt_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    correct: Mapped[int | None] = mapped_column(Integer, nullable=True)
    row: Mapped[dict[str, Any]] = mapped_column(JSON)
    presses: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    received: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


def normalize_url(url: str) -> str:
    """Return the SQLAlchemy URL for ``url`` (``postgresql://`` is reached through psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


_SYNCHRONOUS = "FULL" if os.environ.get("MOTORSEQ_SQLITE_SYNCHRONOUS", "").upper() == "FULL" else "NORMAL"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={_SYNCHRONOUS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@dataclass
class Database:
    """An engine and its session factory; the tables are created when missing."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def add_trial(self, record: TrialRecord, status: str | None = None) -> bool:
        """Store one trial in one transaction; return False if it was stored before (a duplicate).

        Parameters
        ----------
        record : TrialRecord
            The trial (its ``run_id`` and ``trial_index`` are the unique key).
        status : str, optional
            New status of the run, set in the same transaction.
        """
        values = {c.key: getattr(record, c.key) for c in TrialRecord.__table__.columns if c.key != "id"}
        values["received"] = values["received"] or _now()
        values["segment"] = values["segment"] or 1
        with self.sessions() as session:
            try:
                with session.begin():
                    session.execute(insert(TrialRecord), [values])  # Core insert: one statement, no unit of work
                    if status is not None:
                        values = {"status": status, **({"finished": _now()} if status == "finished" else {})}
                        session.execute(
                            update(Run).where(Run.id == record.run_id, Run.status != "finished").values(**values)
                        )
            except IntegrityError:
                return False
        return True

    def trial_indices(self, run_id: int) -> list[int]:
        """Return the trial indices stored for a run, in order."""
        with self.sessions() as session:
            rows = session.scalars(
                select(TrialRecord.trial_index).where(TrialRecord.run_id == run_id).order_by(TrialRecord.trial_index)
            )
            return list(rows)

    def count_trials(self) -> int:
        """Return the number of trials in the database."""
        with self.sessions() as session:
            return int(session.scalar(select(func.count(TrialRecord.id))) or 0)


def connect(url: str) -> Database:
    """Open (and create the tables of) the database at ``url``.

    Parameters
    ----------
    url : str
        ``sqlite:///path.db`` or ``postgresql://user[:password]@host[:port]/name``.

    Returns
    -------
    Database
    """
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, json_serializer=_dumps, pool_size=8
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, json_serializer=_dumps, pool_size=10, max_overflow=20, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))
