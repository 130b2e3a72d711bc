"""Classroom mode: a class with a join code, anonymous students, and the live class figures.

Students join with the code only and get labels made from it (``K7P2QM003``): no names are asked
or stored. The teacher's token opens the live view: how many students joined, run and finished,
the pooled learning curve (block RT: the mean over students of each student's median RT of
correct trials), the sequence-specific effect (random block minus the sequence blocks around it)
with its 95 % CI, each student's effect, and a plain-language caption.
"""

from __future__ import annotations

import io
import json
import math
import secrets
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from motorseq.protocols import Protocol
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .db import ClassSession, Database, Run, TrialRecord
from .schemas import Environment
from .service import ProtocolCatalog, RunRefused, _trials, protocol_of, start_run, trial_list

__all__ = [
    "class_figures",
    "create_class",
    "caption",
    "find_class",
    "join",
    "LiveSummaries",
    "own_curve",
    "qr_svg",
    "summary",
]

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed without mistakes
CODE_LENGTH = 6


def create_class(db: Database, protocol: Protocol, seed: int | None = None) -> ClassSession:
    """Create a class running ``protocol``: a fresh join code and a secret teacher token."""
    for _ in range(20):
        code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
        found = ClassSession(
            code=code,
            teacher_token=secrets.token_urlsafe(24),
            protocol_name=protocol.name,
            protocol_json=json.dumps(protocol.model_dump(mode="json", by_alias=True), sort_keys=True),
            seed=protocol.seed if seed is None else seed,
        )
        try:
            with db.sessions() as session, session.begin():
                session.add(found)
            return found
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free class code")


def find_class(db: Database, code: str) -> ClassSession | None:
    """Return the class with join code ``code`` (any other text finds nothing)."""
    code = code.strip().upper()
    if not (1 <= len(code) <= 12 and code.isalnum() and code.isascii()):
        return None
    with db.sessions() as session:
        return session.scalar(select(ClassSession).where(ClassSession.code == code))


def join(db: Database, catalog: ProtocolCatalog, code: str, environment: Environment) -> Run:
    """Add an anonymous student to the class; the student's label is the code and a number."""
    found = find_class(db, code)
    if found is None:
        raise RunRefused("no class with this code", 404)
    protocol = protocol_of(found)  # type: ignore[arg-type]  (a class stores its protocol as a run does)
    for _ in range(50):
        n = _next_number(db, found.id)  # one atomic update: students joining at once never draw one number
        try:
            return start_run(db, protocol, f"{found.code}{n:03d}", "1", found.seed, environment, found.id)
        except RunRefused:
            continue  # the number was taken before the counter existed (an older database)
    raise RunRefused("the class is busy; try again", 503)


def _next_number(db: Database, class_id: int) -> int:
    with db.sessions() as session, session.begin():
        counter = ClassSession.joined
        statement = update(ClassSession).where(ClassSession.id == class_id).values(joined=counter + 1)
        return int(session.execute(statement.returning(counter)).scalar_one())


def _block_kinds(run: Run) -> dict[int, str]:
    return {int(t["block"]): str(t["block_kind"]) for t in trial_list(run)}


def class_figures(trials: pd.DataFrame, kinds: dict[int, str]) -> dict[str, Any]:
    """Pooled curve and sequence-specific effects from the class's trials (a pure function).

    Parameters
    ----------
    trials : pandas.DataFrame
        Columns ``participant``, ``block``, ``rt_ms``, ``correct``.
    kinds : dict
        Block number → block kind.

    Returns
    -------
    dict
        ``curve`` (per block: kind, mean of student medians, SE, n), ``effects`` (per student:
        random minus surrounding sequence blocks, ms), ``effect`` (mean, 95 % CI low/high, n).
    """
    from scipy import stats

    ok = trials[(trials["correct"] == 1) & trials["rt_ms"].notna()]
    ok = ok[ok["block"].map(kinds).fillna("practice") != "practice"]
    medians = ok.groupby(["participant", "block"])["rt_ms"].median().unstack("block")
    curve = []
    for block in sorted(b for b, k in kinds.items() if k != "practice"):
        values = medians[block].dropna() if block in medians.columns else pd.Series(dtype=float)
        se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else None
        mean = float(values.mean()) if len(values) else None
        curve.append({"block": block, "kind": kinds[block], "rt_ms": mean, "se_ms": se, "n": int(len(values))})
    effects: dict[str, float] = {}
    random_blocks = [b for b, k in sorted(kinds.items()) if k == "random"]
    if random_blocks:
        r = random_blocks[0]
        around = [b for b in (r - 1, r + 1) if kinds.get(b) == "sequence"]
        for participant, row in medians.iterrows():
            if r in row.index and not math.isnan(row[r]):
                seq = [row[b] for b in around if b in row.index and not math.isnan(row[b])]
                if seq:
                    effects[str(participant)] = float(row[r] - np.mean(seq))
    values = np.array(list(effects.values()))
    effect: dict[str, Any] = {"mean_ms": None, "low_ms": None, "high_ms": None, "n": int(values.size)}
    if values.size:
        effect["mean_ms"] = float(values.mean())
        if values.size > 1:
            half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size))
            effect["low_ms"], effect["high_ms"] = effect["mean_ms"] - half, effect["mean_ms"] + half
    return {"curve": curve, "effects": effects, "effect": effect}


def caption(figures: dict[str, Any], counts: dict[str, int]) -> str:
    """Return a plain-language sentence on what the class is seeing."""
    if counts["joined"] == 0:
        return "Waiting for students to join."
    seq = [c for c in figures["curve"] if c["kind"] == "sequence" and c["rt_ms"] is not None]
    effect = figures["effect"]
    parts = [f"{counts['joined']} students joined, {counts['finished']} finished."]
    if len(seq) >= 2:
        first, last = seq[0], seq[-1]
        trend = "fell" if last["rt_ms"] < first["rt_ms"] else "did not fall"
        parts.append(
            f"Reaction times {trend} with practice: {first['rt_ms']:.0f} ms in block {first['block']}, "
            f"{last['rt_ms']:.0f} ms in block {last['block']}."
        )
    if effect["mean_ms"] is not None:
        sign = "slower" if effect["mean_ms"] > 0 else "faster"
        size = abs(effect["mean_ms"])
        text = f"When the hidden sequence was replaced by random positions, the class was {size:.0f} ms {sign}"
        if effect["low_ms"] is not None:
            text += f" (95% CI {effect['low_ms']:.0f} to {effect['high_ms']:.0f} ms, {effect['n']} students)"
            learned = effect["low_ms"] > 0
            text += (
                ": the class learned the sequence, whether or not anyone noticed it."
                if learned
                else ": not yet clear evidence of sequence learning."
            )
        else:
            text += "."
        parts.append(text)
    return " ".join(parts)


def _class_trials(
    db: Database, found: ClassSession, known: dict[int, tuple] | None = None
) -> tuple[list[tuple[str, str]], pd.DataFrame]:
    """Read the class's students (participant, status) and trials: plain columns, no ORM objects.

    With ``known`` (trial id → row, kept by the caller between calls), only the trials written
    since are read (those above the highest known id, less a margin for ids that commit out of order).
    """
    runs_table, trials_table = Run.__table__, TrialRecord.__table__
    known = {} if known is None else known
    since = max(known, default=0) - _ID_MARGIN
    with db.engine.connect() as connection:
        runs = connection.execute(
            select(runs_table.c.id, runs_table.c.participant, runs_table.c.status)
            .where(runs_table.c.class_id == found.id)
            .order_by(runs_table.c.id)
        ).all()
        rows = connection.execute(
            select(trials_table.c.id, trials_table.c.run_id, trials_table.c.block, trials_table.c.rt_ms,
                   trials_table.c.correct)
            .join(runs_table, runs_table.c.id == trials_table.c.run_id)
            .where(runs_table.c.class_id == found.id, trials_table.c.id > since)
        ).all()  # fmt: skip
    for row in rows:
        known[row[0]] = tuple(row[1:])
    labels = {run_id: participant for run_id, participant, _ in runs}
    values = list(known.values())
    table = pd.DataFrame(
        {
            "participant": np.array([labels.get(v[0], "") for v in values], dtype=object),
            "block": np.array([v[1] for v in values], dtype=np.int64),
            "rt_ms": np.array([np.nan if v[2] is None else v[2] for v in values], dtype=float),
            "correct": np.array([np.nan if v[3] is None else v[3] for v in values], dtype=float),
        }
    )
    return [(str(p), str(st)) for _, p, st in runs], table


#: Trial ids read again at every update: writes of other server processes may commit out of id order.
_ID_MARGIN = 5000


def summary(db: Database, found: ClassSession, known: dict[int, tuple] | None = None) -> dict[str, Any]:
    """Return the live numbers of a class (what the teacher's page shows); ``known``: see :func:`_class_trials`."""
    runs, table = _class_trials(db, found, known)
    counts = {"joined": len(runs), "running": 0, "finished": 0}
    for _participant, status in runs:
        if status in ("running", "finished"):
            counts[status] += 1
    design = _trials(found.protocol_json, runs[0][0], found.seed) if runs else ()  # every student's blocks alike
    kinds = {int(t["block"]): str(t["block_kind"]) for t in design}
    figures = class_figures(table, kinds) if runs else {"curve": [], "effects": {}, "effect": {"mean_ms": None}}
    return {
        "code": found.code,
        "protocol": found.protocol_name,
        "counts": counts,
        "trials": int(len(table)),
        **figures,
        "model": model_curve(found),
        "caption": caption(figures, counts),
    }


class LiveSummaries:
    """The class summaries the teacher pages follow: computed once per ``interval`` seconds per class.

    However many teacher pages are open, the server reads the class's trials once per interval
    (one thread computes, the others wait for its result), and only the trials written since the
    last update; an update that took long waits ten times its duration before the next, so the
    live view never takes more than a tenth of the server from a busy class's writes.
    """

    def __init__(self, db: Database, interval: float = 1.0) -> None:
        self.db, self.interval = db, interval
        self._lock = threading.Lock()
        self._latest: dict[int, tuple[float, str]] = {}
        self._known: dict[int, dict[int, tuple]] = {}

    def get(self, found: ClassSession) -> str:
        """Return the class's summary as JSON text, at most ``interval`` seconds old (when the server keeps up)."""
        with self._lock:
            cached = self._latest.get(found.id)
            if cached is not None and time.monotonic() < cached[0]:
                return cached[1]
            began = time.monotonic()
            text = json.dumps(summary(self.db, found, self._known.setdefault(found.id, {})))
            took = time.monotonic() - began
            self._latest[found.id] = (began + max(self.interval, 10 * took), text)
            return text


def own_curve(db: Database, run: Run) -> dict[str, Any]:
    """One student's own curve and effect (shown at the end of their run)."""
    with db.sessions() as session:
        rows = session.execute(
            select(TrialRecord.block, TrialRecord.rt_ms, TrialRecord.correct).where(TrialRecord.run_id == run.id)
        ).all()
    table = pd.DataFrame(rows, columns=["block", "rt_ms", "correct"]).assign(participant=run.participant)
    figures = class_figures(table, _block_kinds(run))
    return {"curve": figures["curve"], "effect_ms": figures["effects"].get(run.participant)}


def model_curve(found: ClassSession) -> list[dict[str, Any]] | None:
    """Return the spiking model's block curve for the class's protocol, when one is cached (never simulated here)."""
    from .model_cache import cached_curve

    return cached_curve(protocol_of(found))  # type: ignore[arg-type]


def qr_svg(url: str) -> bytes:
    """Return an SVG QR code of ``url`` (for the room's screen)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return image.to_string()


def export_zip(db: Database, found: ClassSession) -> bytes:
    """Return the class's BIDS dataset as a zip archive."""
    from .export import export_runs

    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="motorseq-class-") as folder:
        root = Path(folder) / f"class-{found.code}"
        export_runs(db, root, class_id=found.id)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.name.startswith(".motorseq"):
                    archive.write(path, path.relative_to(root.parent).as_posix())
    return buffer.getvalue()


def report_html(db: Database, found: ClassSession) -> str:
    """Return a self-contained HTML page of the class's results (curve as inline SVG, numbers, caption)."""
    from html import escape

    data = summary(db, found)
    points = [c for c in data["curve"] if c["rt_ms"] is not None]
    svg = _curve_svg(points)
    rows = "".join(
        f"<tr><td>{c['block']}</td><td>{escape(c['kind'])}</td><td>{c['rt_ms']:.0f}</td><td>{c['n']}</td></tr>"
        for c in points
    )
    effects = "".join(f"<li>{escape(p)}: {v:+.0f} ms</li>" for p, v in sorted(data["effects"].items()))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Class {escape(found.code)}</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto}}td,th{{padding:.2em .8em}}</style></head><body>
<h1>Class {escape(found.code)}: {escape(found.protocol_name)}</h1><p>{escape(data["caption"])}</p>{svg}
<table><tr><th>block</th><th>kind</th><th>RT (ms)</th><th>students</th></tr>{rows}</table>
<h2>Each student's sequence effect (random minus sequence)</h2><ul>{effects}</ul></body></html>"""


def _curve_svg(points: list[dict[str, Any]], width: int = 600, height: int = 300) -> str:
    if not points:
        return "<p>No data yet.</p>"
    rts = [p["rt_ms"] for p in points]
    low, high = min(rts) - 20, max(rts) + 20
    xs = [40 + i * (width - 60) / max(len(points) - 1, 1) for i in range(len(points))]
    ys = [height - 30 - (r - low) / (high - low) * (height - 60) for r in rts]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{"#c0392b" if p["kind"] == "random" else "#2c3e50"}"/>'
        for x, y, p in zip(xs, ys, points, strict=True)
    )
    return (
        f'<svg width="{width}" height="{height}" role="img" aria-label="class learning curve">'
        f'<polyline fill="none" stroke="#2c3e50" stroke-width="2" points="{path}"/>{dots}</svg>'
    )
