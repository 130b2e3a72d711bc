"""The web app's database: runs, their trials and class sessions (SQLAlchemy 2).

SQLite (``sqlite:///motorseq.db``, the default) is opened in WAL mode (``synchronous=NORMAL``:
a committed trial survives the server being killed, SIGKILL included; only a power cut or an OS
crash could lose the last commits; set ``MOTORSEQ_SQLITE_SYNCHRONOUS=FULL`` to sync every commit);
(``postgresql://user@host/db``, through psycopg 3). Every trial is written whole in one
transaction (the web app's :class:`TrialWriter` puts the trials that arrive together in the same
one, and acknowledges none before its commit), and ``(run_id, trial_index)`` is unique: a trial
sent twice (a page re-sending its buffer after a reload) is refused by the database itself, never
stored twice.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as _dt
import functools
import json
import os
import queue
import threading
from dataclasses import dataclass, field
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
    "open_existing",
    "shown_url",
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
    #: Students who joined so far: a student's number is taken from it in one atomic update.
    joined: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


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
    #: The page's frame counts during the trial (:class:`~.schemas.FrameCounts`), when it sent them.
    frames: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    received: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


def _dialect_insert(dialect: str):  # noqa: ANN202 - the dialect's insert construct
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


class TrialWriter:
    """Group commit: the trials that arrive while one transaction commits are written together in the next.

    The web app's requests hand their scored trial to :meth:`write` and wait (without blocking the
    event loop) until the transaction that holds it has committed: a trial is acknowledged only
    once it is in the database, and each trial is all-or-nothing with its run's status change. One
    thread does all the writes, so the event loop never waits on the database, and a class's
    writes cost one commit (one WAL write; one fsync on PostgreSQL) per batch instead of per trial.
    If a batch fails, its trials are written one by one, so one bad trial cannot fail the others.
    """

    #: Most trials in one transaction.
    MAX_BATCH = 500

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="motorseq-trial-writer", daemon=True)
        self._thread.start()

    async def write(self, record: dict[str, Any], status: str | None = None) -> bool:
        """Store one trial; return False if it was stored before (a duplicate)."""
        import asyncio

        future: concurrent.futures.Future[bool] = concurrent.futures.Future()
        self._queue.put((record, status, future))
        return await asyncio.wrap_future(future)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                results = self.db.add_trials([(record, status) for record, status, _ in batch])
            except Exception:  # noqa: BLE001 - each trial alone: its own error goes to its own request
                for record, status, future in batch:
                    try:
                        future.set_result(self.db.add_trial(record, status))
                    except Exception as error:  # noqa: BLE001
                        future.set_exception(error)
                continue
            for (_, _, future), stored in zip(batch, results, strict=True):
                future.set_result(stored)


_TRIAL_COLUMNS = [c for c in TrialRecord.__table__.columns if c.key != "id"]
_TRIAL_INSERT = insert(TrialRecord.__table__)


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


@dataclass(eq=False)
class Database:
    """An engine and its session factory; the tables are created when missing."""

    engine: Engine
    sessions: sessionmaker[Session]
    #: Serialises this process's trial writes on SQLite (a no-op lock on PostgreSQL).
    write_lock: Any = field(default_factory=contextlib.nullcontext)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def add_trial(self, record: TrialRecord | dict[str, Any], status: str | None = None) -> bool:
        """Store one trial in one transaction; return False if it was stored before (a duplicate).

        The write is one Core ``INSERT`` (and, at a run's first and last trials, one ``UPDATE``)
        on a pooled connection, committed before this returns: no ORM unit of work, no session.
        On SQLite the writes of this process take turns on :attr:`write_lock` (SQLite has one
        writer at a time; threads waiting in its busy handler sleep up to 100 ms per retry).

        Parameters
        ----------
        record : TrialRecord or dict
            The trial (its ``run_id`` and ``trial_index`` are the unique key); a dict has the columns as keys.
        status : str, optional
            New status of the run, set in the same transaction.
        """
        if isinstance(record, TrialRecord):
            record = {c.key: getattr(record, c.key) for c in _TRIAL_COLUMNS}
        values = {**record, "received": record.get("received") or _now(), "segment": record.get("segment") or 1}
        with self.write_lock:
            try:
                with self.engine.begin() as connection:
                    connection.execute(_TRIAL_INSERT, values)
                    if status is not None:
                        changes = {"status": status, **({"finished": _now()} if status == "finished" else {})}
                        connection.execute(
                            update(Run.__table__)
                            .where(Run.__table__.c.id == values["run_id"], Run.__table__.c.status != "finished")
                            .values(**changes)
                        )
            except IntegrityError:
                return False
        return True

    @functools.cached_property
    def writer(self) -> TrialWriter:
        """The group-commit writer of this process (started on first use)."""
        return TrialWriter(self)

    def add_trials(self, batch: list[tuple[dict[str, Any], str | None]]) -> list[bool]:
        """Store several trials in one transaction; return, for each, whether it was stored (False: a duplicate).

        One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` writes every new trial and names them, so
        a trial stored before, or twice in the batch, is refused by the unique key as in :meth:`add_trial`;
        the runs' statuses change in the same transaction.
        """
        table = TrialRecord.__table__
        rows = [{**values, "received": values.get("received") or _now(), "segment": values.get("segment") or 1}
                for values, _ in batch]  # fmt: skip
        dialect_insert = _dialect_insert(self.dialect)
        statement = (
            dialect_insert(table)
            .on_conflict_do_nothing(index_elements=["run_id", "trial_index"])
            .returning(table.c.run_id, table.c.trial_index)
        )
        with self.write_lock, self.engine.begin() as connection:
            inserted = {tuple(r) for r in connection.execute(statement, rows)}
            results, seen = [], set()
            for values, status in batch:
                key = (values["run_id"], values["trial_index"])
                results.append(key in inserted and key not in seen)
                seen.add(key)
                if results[-1] and status is not None:
                    changes = {"status": status, **({"finished": _now()} if status == "finished" else {})}
                    connection.execute(
                        update(Run.__table__)
                        .where(Run.__table__.c.id == values["run_id"], Run.__table__.c.status != "finished")
                        .values(**changes)
                    )
        return results

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
    _add_missing_columns(engine)
    lock = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), write_lock=lock)


def shown_url(url: str) -> str:
    """Return ``url`` for a message, its password (if any) replaced by ``***``."""
    import re

    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - not a URL: hide what could be a password by pattern
        return re.sub(r":[^:@/]*@", ":***@", url)
    return parsed.render_as_string(hide_password=True) if parsed.password else url


def _first_line(error: BaseException, url: str) -> str:
    """Return the first line of a driver's message, without the URL's password."""
    from sqlalchemy.engine import make_url

    line = (str(error).splitlines() or [type(error).__name__])[0]
    try:
        password = make_url(url).password
    except Exception:  # noqa: BLE001 - the URL was checked before
        password = None
    return line.replace(str(password), "***") if password else line


def open_existing(url: str, option: str = "--db") -> Database:
    """Open the database of an earlier ``motorseq serve`` for reading (``motorseq export``).

    Nothing is created: a SQLite file that does not exist, a file that is not a database, a
    database without the web tables or a server that cannot be reached is refused. A SQLite file
    is opened read-only (unless it was made by an older version and needs the columns added
    since, which :func:`connect` adds).

    Parameters
    ----------
    url : str
        ``sqlite:///path.db`` or ``postgresql://user[:password]@host[:port]/name``.
    option : str
        The option the URL came from, for the messages.

    Returns
    -------
    Database

    Raises
    ------
    motorseq.protocols.OptionError
        One line naming ``option`` and the URL (password hidden).
    """
    import sqlite3
    from pathlib import Path
    from urllib.request import pathname2url

    from motorseq.protocols.errors import OptionError
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    shown = shown_url(url)
    try:
        parsed = make_url(normalize_url(url))
        backend = parsed.get_backend_name()
    except Exception:  # noqa: BLE001 - ArgumentError, ValueError: not a URL
        raise OptionError(
            f"{option} {shown}: not a database URL; give sqlite:///FILE.db or postgresql://user@host/name"
        ) from None
    if backend == "sqlite":
        name = parsed.database
        if not name or name == ":memory:" or name.startswith("file:"):
            raise OptionError(f"{option} {shown}: give the database file, sqlite:///FILE.db")
        path = Path(name)
        if not path.exists():
            raise OptionError(f"{option} {shown}: no such database file ({path})")
        if not path.is_file():
            raise OptionError(f"{option} {shown}: {path} is not a file")
        uri = f"file:{pathname2url(str(path.resolve()))}?mode=ro"
        engine = create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False),
            json_serializer=_dumps,
        )
    elif backend == "postgresql":
        try:
            engine = create_engine(parsed, json_serializer=_dumps, pool_pre_ping=True)
        except Exception as error:  # noqa: BLE001 - an unknown driver or a bad query option
            raise OptionError(f"{option} {shown}: cannot open the database: {_first_line(error, url)}") from None
    else:
        raise OptionError(f"{option} {shown}: not a database motorseq serve writes; give sqlite:///FILE.db or "
                          "postgresql://user@host/name")  # fmt: skip
    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names())
        columns = {t: {c["name"] for c in inspector.get_columns(t)} for t in Base.metadata.tables if t in tables}
    except Exception as error:  # noqa: BLE001 - any driver error (not a database, unreachable) is one line
        engine.dispose()
        raise OptionError(f"{option} {shown}: cannot open the database: {_first_line(error, url)}") from None
    if not {"runs", "trials"} <= tables:
        engine.dispose()
        raise OptionError(f"{option} {shown}: not a database of motorseq serve (no table runs or trials)")
    older = any(
        {c.name for c in table.columns} - columns.get(name, set()) for name, table in Base.metadata.tables.items()
    )
    if older:  # made by an older version: connect() adds the tables and columns added since
        engine.dispose()
        return connect(url)
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def _add_missing_columns(engine: Engine) -> None:
    """Give a database made by an older version the columns added since (nothing else changes)."""
    from sqlalchemy import inspect, text

    inspector = inspect(engine)
    has = {table: {c["name"] for c in inspector.get_columns(table)} for table in ("class_sessions", "trials")}
    with engine.begin() as connection:
        if "joined" not in has["class_sessions"]:
            connection.execute(text("ALTER TABLE class_sessions ADD COLUMN joined INTEGER NOT NULL DEFAULT 0"))
            count = "SELECT count(*) FROM runs WHERE runs.class_id = class_sessions.id"
            connection.execute(text(f"UPDATE class_sessions SET joined = ({count})"))
        if "frames" not in has["trials"]:
            connection.execute(text("ALTER TABLE trials ADD COLUMN frames JSON"))


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))
