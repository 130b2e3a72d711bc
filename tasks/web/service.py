"""What the web app does, without HTTP: start runs, give a page its trial list, store trials.

Every function takes the :class:`~motorseq.tasks.web.db.Database` and plain values, so the same
code serves the app, the export and the tests.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from motorseq.protocols import Protocol, generate_trials, load_protocol, parse_protocol
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import TaskError
from ..shorten import shorten_protocol
from .db import Database, Run, TrialRecord
from .schemas import Environment, TrialBody
from .scoring import score_trial

__all__ = [
    "ProtocolCatalog",
    "RunRefused",
    "cached_run",
    "page_config",
    "prepare_trial",
    "protocol_of",
    "record_trial",
    "start_run",
    "trial_list",
]

#: Trial-list columns the page needs to run a trial.
PAGE_COLUMNS = ("block", "block_kind", "trial", "trial_index", "trial_type", "target", "correct_key")


class RunRefused(TaskError):
    """A request that cannot be done (the message says why); ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ProtocolCatalog:
    """The protocols a server offers: by name only, never by a path a page sends.

    Parameters
    ----------
    names : list of str
        Bundled names or YAML files given on the command line (the experimenter's choice).
    max_trials_per_block, max_blocks : int, optional
        Shorten every protocol (pilots, tests).
    """

    names: list[str] = field(default_factory=list)
    max_trials_per_block: int | None = None
    max_blocks: int | None = None
    max_trial_seconds: float | None = None
    _loaded: dict[str, Protocol] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from motorseq.protocols import list_protocols

        for name in self.names or list_protocols():
            protocol = shorten_protocol(
                load_protocol(name), self.max_trials_per_block, self.max_trial_seconds, self.max_blocks
            )
            self._loaded[protocol.name] = protocol

    def get(self, name: str) -> Protocol:
        """Return the protocol called ``name``; :class:`RunRefused` (404) if this server does not offer it."""
        if name not in self._loaded:
            raise RunRefused(f"protocol {name!r:.70}: not offered by this server", 404)
        return self._loaded[name]

    def __iter__(self):
        return iter(self._loaded.values())


def protocol_of(run: Run) -> Protocol:
    """Return the protocol a run was started with (stored in full with the run)."""
    return _parse(run.protocol_json)


@lru_cache(maxsize=64)
def _parse(text: str) -> Protocol:
    return parse_protocol(json.loads(text), "<stored protocol>")


@lru_cache(maxsize=4096)
def _trials(protocol_json: str, participant: str, seed: int) -> tuple[dict[str, Any], ...]:
    table = generate_trials(_parse(protocol_json), participant, seed)
    return tuple(table.to_dict(orient="records"))


def trial_list(run: Run) -> tuple[dict[str, Any], ...]:
    """Return the run's trial list: the one the lab task would use for its participant, protocol and seed."""
    return _trials(run.protocol_json, run.participant, run.seed)


def _fill(text: str, keys: str) -> str:
    return text.replace("{keys}", keys).replace("{key_list}", keys)


def page_config(run: Run) -> dict[str, Any]:
    """Everything the page needs: the design, the participant's texts and the trial list."""
    protocol = protocol_of(run)
    texts = protocol.texts
    keys = [k.upper() for k in protocol.keys]
    key_text = texts.key_separator.join(keys[:-1]) + texts.key_last_separator + keys[-1] if len(keys) > 1 else keys[0]
    shown = {name: _fill(str(value), key_text) for name, value in texts.model_dump().items()}
    trials = [{name: row[name] for name in PAGE_COLUMNS} for row in trial_list(run)]
    return {
        "paradigm": protocol.paradigm,
        "keys": protocol.keys,
        "rule": protocol.response.rule,
        "rsi_ms": protocol.response.rsi_ms,
        "timeout_ms": protocol.response.timeout_ms,
        "dsp": protocol.dsp.model_dump(mode="json") if protocol.dsp else None,
        "ftt": protocol.ftt.model_dump(mode="json") if protocol.ftt else None,
        "feedback": protocol.feedback.model_dump(mode="json"),
        "display": protocol.display.model_dump(mode="json"),
        "texts": shown,
        "n_blocks": max((t["block"] for t in trials), default=0),
        "trials": trials,
    }


def start_run(
    db: Database,
    protocol: Protocol,
    participant: str,
    session: str = "1",
    seed: int | None = None,
    environment: Environment | None = None,
    class_id: int | None = None,
) -> Run:
    """Create a run; :class:`RunRefused` if this participant's run of the protocol exists already."""
    seed = protocol.seed if seed is None else seed
    payload = protocol.model_dump(mode="json", by_alias=True)
    run = Run(
        token=secrets.token_urlsafe(24),
        class_id=class_id,
        participant=participant,
        session=session,
        run=1,
        protocol_name=protocol.name,
        protocol_json=json.dumps(payload, sort_keys=True),
        seed=seed,
        n_trials=protocol.n_trials,
        status="joined",
        environment=(environment or Environment()).model_dump(),
    )
    run.n_trials = len(trial_list(run))
    with db.sessions() as session_, session_.begin():
        try:
            session_.add(run)
            session_.flush()
        except IntegrityError:
            raise RunRefused(
                f"participant {participant}, session {session}: a run of {protocol.name} exists already; "
                "it continues only from the browser that started it"
            ) from None
    cache = _RUNS.setdefault(id(db), {})
    if len(cache) < 10_000:
        cache[run.token] = run  # the page's first trial needs no lookup
    return run


def run_by_token(db: Database, token: str, fresh: bool = True) -> Run:
    """Return the run whose secret token is ``token``; :class:`RunRefused` (401) otherwise.

    With ``fresh=False`` a run looked up before is taken from memory (its protocol, labels and
    seed never change; its ``status`` may be old): the trial path then needs one statement.
    """
    if not token or len(token) > 64:
        raise RunRefused("missing or malformed run token (X-Run-Token)", 401)
    cache = _RUNS.setdefault(id(db), {})
    if not fresh and token in cache:
        return cache[token]
    with db.sessions() as session:
        run = session.scalar(select(Run).where(Run.token == token))
    if run is None:
        raise RunRefused("unknown run token", 401)
    if len(cache) > 10_000:
        cache.clear()
    cache[token] = run
    return run


_RUNS: dict[int, dict[str, Run]] = {}


def prepare_trial(run: Run, body: TrialBody) -> tuple[dict[str, Any], str | None, dict[str, Any]]:
    """Score one trial (a pure function of the run and the body): its database row, the run's new status, its beh row.

    Raises
    ------
    RunRefused
        A trial index past the run's end, or an end before the onset (422).
    """
    trials = trial_list(run)
    if body.trial_index > len(trials):
        raise RunRefused(f"trial_index: {body.trial_index} is past the run's last trial ({len(trials)})", 422)
    if body.end_ms < body.onset_ms:
        raise RunRefused("end_ms: before onset_ms", 422)
    trial = trials[body.trial_index - 1]
    protocol = protocol_of(run)
    row, events = score_trial(protocol, trial, body.onset_ms, body.presses)
    record = {
        "run_id": run.id,
        "trial_index": body.trial_index,
        "block": int(trial["block"]),
        "segment": body.segment,
        "onset_ms": body.onset_ms,
        "rt_ms": None if row["rt"] is None else row["rt"] * 1000,
        "correct": row["correct"],
        "row": row,
        "presses": events,
        "frames": body.frames.model_dump() if body.frames is not None else None,
    }
    # the run's status changes at its first and last trials only (no extra write for the others)
    status = "finished" if body.trial_index == len(trials) else "running" if body.trial_index == 1 else None
    return record, status, row


def record_trial(db: Database, run: Run, body: TrialBody) -> tuple[bool, dict[str, Any]]:
    """Score and store one trial in one transaction.

    Returns
    -------
    stored : bool
        False when the trial was stored before (the unique key refused the duplicate).
    row : dict
        The scored ``_beh.tsv`` row.
    """
    record, status, row = prepare_trial(run, body)
    return db.add_trial(record, status), row


def cached_run(db: Database, token: str) -> Run | None:
    """Return the run of ``token`` if it was looked up before in this process (no database access)."""
    return _RUNS.get(id(db), {}).get(token) if token and len(token) <= 64 else None


def run_counts(db: Database, run_id: int) -> int:
    """Return the number of trials stored for a run."""
    with db.sessions() as session:
        return int(session.scalar(select(func.count(TrialRecord.id)).where(TrialRecord.run_id == run_id)) or 0)
