"""A simulation bank: parameters drawn from the priors, simulated, stored with their summary statistics.

Layout of a bank folder::

    BANK/bank.json                 what the bank holds (simulator, protocol, priors, seed)
    BANK/parts/part-*.parquet      finished simulations, one file per finished batch
    BANK/trials/                   the simulated BIDS trial files (only with keep_trials)

Simulation ``i`` draws its parameters from the priors with a generator seeded by the bank seed
and ``i`` (:func:`draw`), and runs with its own seed (:func:`~motorseq.models.cohort.participant_seed`),
so a bank of 2,000 simulations is the bank of 1,000 plus 1,000 more, whatever order they ran in.
A batch is written (to a temporary name, then renamed) as soon as it returns, so a killed run
loses only the batches still running; a re-run skips every simulation already in ``parts/``.
A simulation that raises is recorded (``status = "failed"``, its one-line error) and the others
go on; ``retry_failed`` runs failed ones again.

The simulator is any callable ``simulator(params, seed, index) -> mapping of statistic -> number``
(:class:`ModelSimulator` for the spiking model; a cheap function for tests and checks).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .priors import FitError, Priors

__all__ = [
    "BankRun",
    "ModelSimulator",
    "bank_priors",
    "bank_simulator",
    "draw",
    "model_description",
    "read_bank",
    "read_manifest",
    "run_bank",
    "THETA",
    "X",
]

#: Column prefixes of parameters and summary statistics in the bank's tables.
THETA, X = "theta.", "x."
_MANIFEST = "bank.json"

Simulator = Callable[[Mapping[str, float], int, int], Mapping[str, float]]


def draw(priors: Priors, seed: int, index: int) -> dict[str, float]:
    """Parameters of simulation ``index`` of a bank with ``seed`` (independent of the other draws)."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(index), 7)))
    return dict(zip(priors.names, map(float, priors.sample(rng, 1)[0]), strict=True))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _simulate_batch(simulator: Simulator, items: list[tuple[int, int, dict[str, float]]]) -> list[dict[str, Any]]:
    """Run one batch (the Dask task): one row per simulation, failures caught and recorded."""
    rows = []
    for index, seed, params in items:
        start = time.perf_counter()
        row: dict[str, Any] = {"sim": index, "seed": seed, **{THETA + k: v for k, v in params.items()}}
        try:
            stats = simulator(params, seed, index)
            row.update({X + str(k): float(v) if v is not None else np.nan for k, v in stats.items()})
            row.update(status="done", error="")
        except Exception as exc:  # noqa: BLE001 - recorded per simulation, the bank goes on
            row.update(status="failed", error=_one_line(exc), details=traceback.format_exc(limit=5))
        row["seconds"] = time.perf_counter() - start
        rows.append(row)
    return rows


def _write_part(folder: Path, rows: list[dict[str, Any]]) -> Path:
    """Write finished rows atomically (temporary name, fsync, rename)."""
    parts = folder / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    first, last = min(r["sim"] for r in rows), max(r["sim"] for r in rows)
    final = parts / f"part-{first:07d}-{last:07d}-{uuid.uuid4().hex[:8]}.parquet"
    tmp = parts / f".{final.name}.tmp"
    pd.DataFrame(rows).to_parquet(tmp, index=False)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)
    return final


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """Return ``bank.json`` of a bank.

    Raises
    ------
    FitError
        No bank there (one line naming the folder).
    """
    path = Path(folder) / _MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FitError(f"{folder}: not a simulation bank ({_MANIFEST} missing)") from None
    except (OSError, ValueError) as exc:
        raise FitError(f"{path}: unreadable ({_one_line(exc)})") from None
    if not isinstance(manifest, dict):
        raise FitError(
            f"{path}: expected a JSON object (format, seed, priors, simulator), got a {type(manifest).__name__}"
        )
    return manifest


def bank_priors(folder: str | Path) -> Priors:
    """Return the priors a bank was drawn from (``priors`` of its ``bank.json``).

    Raises
    ------
    FitError
        No bank, no ``priors`` in ``bank.json`` or invalid ones (one line naming the file and field).
    """
    from pydantic import ValidationError

    from .priors import _check_names

    path = Path(folder) / _MANIFEST
    data = read_manifest(folder).get("priors")
    if data is None:
        raise FitError(f"{path}: priors: missing (a bank made by motorseq bank records the priors it drew from)")
    if not isinstance(data, dict):
        raise FitError(f"{path}: priors: expected a mapping with 'parameters', got a {type(data).__name__}")
    try:
        priors = Priors(**{**data, "source": str(path)})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in ("priors", *err["loc"]))
        raise FitError(f"{path}: {field}: {err['msg']}") from None
    except TypeError as exc:  # keys that are not strings
        raise FitError(f"{path}: priors: {_one_line(exc)}") from None
    _check_names(priors, f"{path}: priors")
    return priors


def read_bank(folder: str | Path, status: str | None = "done") -> pd.DataFrame:
    """Every simulation of a bank, one row each, ordered by ``sim``.

    Parameters
    ----------
    folder : path
        The bank.
    status : {"done", "failed", None}
        Only simulations with this status (None: all).

    Returns
    -------
    DataFrame
        ``sim, seed, status, error, seconds, theta.<name>..., x.<statistic>...``. A simulation
        found in more than one part (a batch re-run after a crash between write and rename)
        appears once.

    Raises
    ------
    FitError
        No bank there; an unreadable part; parts of another bank (a simulation with another
        seed or other parameters in two parts, or ones the bank's seed and priors do not
        give it): one line naming the part file(s).
    """
    manifest = read_manifest(folder)
    files = sorted((Path(folder) / "parts").glob("part-*.parquet"))
    if not files:
        return pd.DataFrame(columns=["sim", "seed", "status", "error", "seconds"])
    frames = []
    for f in files:
        try:
            frames.append(pd.read_parquet(f).assign(_part=f.name))
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
            raise FitError(f"{f}: unreadable bank part ({_one_line(exc)})") from None
    table = pd.concat(frames, ignore_index=True)
    _check_parts(Path(folder), table, manifest)
    done_first = table.assign(_done=table["status"] != "done").sort_values(["sim", "_done"], kind="stable")
    table = done_first.drop_duplicates("sim").drop(columns=["_done", "_part"]).sort_values("sim")
    table = table.reset_index(drop=True)
    if status is not None:
        table = table[table["status"] == status].reset_index(drop=True)
    return table


def _check_parts(folder: Path, table: pd.DataFrame, manifest: Any) -> None:
    """Refuse parts that are not this bank's: a simulation twice with other values, or not drawn as bank.json says.

    Simulation ``i`` of a bank always has the same seed and parameters (:func:`draw`), so a
    simulation found in two parts with different ones, or one whose seed and parameters the
    bank's seed and priors do not give, comes from another bank (parts copied into this
    ``parts/``); keeping one of them would mix two banks.

    Raises
    ------
    FitError
        Naming the part file(s) and the simulation.
    """
    parts = folder / "parts"
    missing = [c for c in ("sim", "seed", "status") if c not in table.columns]
    if missing or table["sim"].isna().any():
        bad = table.loc[table["sim"].isna(), "_part"].iloc[0] if not missing else table["_part"].iloc[0]
        raise FitError(f"{parts / bad}: not a bank part (no {missing[0] if missing else 'sim'} column or value)")
    theta = sorted(c for c in table.columns if c.startswith(THETA))
    values = table[["seed", *theta]].astype(float)
    twice = table[table.duplicated("sim", keep=False)]
    for sim, rows in twice.groupby("sim", sort=True):
        if len(rows) > 1:
            first = values.loc[rows.index[0]].to_numpy()
            for i in rows.index[1:]:
                if not np.allclose(values.loc[i].to_numpy(), first, rtol=1e-12, atol=0, equal_nan=True):
                    raise FitError(
                        f"{parts / rows.loc[rows.index[0], '_part']}, {parts / rows.loc[i, '_part']}: simulation "
                        f"{int(sim)} has another seed or other parameters in each: parts of two banks in one "
                        "parts/ folder; keep only this bank's parts"
                    )
    if not isinstance(manifest, dict) or "seed" not in manifest or not isinstance(manifest.get("priors"), dict):
        return
    try:
        priors = Priors(**manifest["priors"])
    except Exception:  # noqa: BLE001 - bad priors are reported by whoever reads them (bank_priors)
        return
    from ..cohort import participant_seed

    seed = manifest["seed"]
    for row in table.drop_duplicates("sim").to_dict("records"):
        sim = int(row["sim"])
        wanted = draw(priors, seed, sim)
        got = [float(row.get(THETA + k, np.nan)) for k in wanted]
        same_theta = np.allclose(got, list(wanted.values()), rtol=1e-9, atol=0)
        if pd.isna(row["seed"]) or int(row["seed"]) != participant_seed(seed, sim) or not same_theta:
            raise FitError(
                f"{parts / row['_part']}: simulation {sim} has a seed or parameters that {folder / _MANIFEST} "
                f"(seed {seed}, its priors) does not give it: a part of another bank; move it out of parts/"
            )


@dataclass(frozen=True)
class BankRun:
    """What a bank run did."""

    done: int
    skipped: int
    failed: int
    seconds: float
    mean_simulation_s: float
    total: int

    @property
    def per_hour(self) -> float:
        """Simulations finished per wall-clock hour in this run."""
        return 3600.0 * self.done / self.seconds if self.seconds > 0 else float("nan")

    def line(self) -> str:
        """One line for the terminal."""
        return (
            f"{self.done} simulated, {self.skipped} already in the bank (skipped), {self.failed} failed; "
            f"{self.total} in the bank; {self.per_hour:.0f} simulations/hour "
            f"({self.mean_simulation_s:.1f} s per simulation per worker)"
        )


def _check_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    path = folder / _MANIFEST
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, path)
        return
    recorded = json.loads(json.dumps(read_manifest(folder), default=str))
    wanted = json.loads(json.dumps(manifest, default=str))
    difference = _first_difference(recorded, wanted, "")
    if difference is not None:
        field, old, new = difference
        raise FitError(
            f"{path}: {field}: recorded {json.dumps(old)[:100]}, this run {json.dumps(new)[:100]}; "
            "use another --out for another bank"
        )


def _first_difference(recorded: Any, wanted: Any, field: str) -> tuple[str, Any, Any] | None:
    """Return the first field (dotted path) whose value differs, with both values, or None."""
    if isinstance(recorded, dict) and isinstance(wanted, dict):
        for key in [*wanted, *(k for k in recorded if k not in wanted)]:
            if key == "created":
                continue
            found = _first_difference(recorded.get(key), wanted.get(key), f"{field}.{key}" if field else key)
            if found is not None:
                return found
        return None
    return None if recorded == wanted else (field, recorded, wanted)


def run_bank(
    out: str | Path,
    n: int,
    priors: Priors,
    simulator: Simulator,
    description: Mapping[str, Any] | None = None,
    seed: int = 0,
    workers: int | None = 0,
    scheduler: str | None = None,
    batch_size: int = 1,
    retry_failed: bool = False,
    on_batch: Callable[[list[dict[str, Any]]], None] | None = None,
) -> BankRun:
    """Grow a bank to ``n`` simulations (``0 .. n-1``), skipping those already finished.

    Parameters
    ----------
    out : path
        The bank folder (created if needed).
    n : int
        Simulations the bank should hold.
    priors : Priors
        Where the parameters come from.
    simulator : callable
        ``simulator(params, seed, index) -> {statistic: value}``; must be picklable for Dask.
    description : mapping, optional
        What the simulator simulates (protocol, shortening...), recorded in ``bank.json``; a
        later run into the same bank must describe the same thing (the CLI always gives it).
    seed : int
        Bank seed.
    workers : int, optional
        0: in this process, one after the other. Otherwise local Dask worker processes
        (None: one per CPU core).
    scheduler : str, optional
        A running Dask scheduler (``tcp://host:8786``) instead of local workers.
    batch_size : int
        Simulations per Dask task (fewer, longer tasks for a big cluster).
    retry_failed : bool
        Simulate again the simulations recorded as failed.
    on_batch : callable, optional
        Called with the rows of each finished batch.

    Returns
    -------
    BankRun

    Raises
    ------
    FitError
        Bad ``n`` or ``batch_size``, or a bank made with other priors, seed or simulator.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise FitError(f"--simulations: must be a whole number >= 1, got {n!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise FitError(f"--batch-size: must be a whole number >= 1, got {batch_size!r}")
    from ..cohort import participant_seed

    folder = Path(out)
    manifest = {
        "format": "motorseq-bank-1",
        "seed": int(seed),
        "priors": priors.model_dump(mode="json", exclude={"source"}),
        "simulator": dict(description or {}),
    }
    _check_manifest(folder, manifest)
    for stale in (folder / "parts").glob(".part-*.tmp"):  # batches of a killed run, never renamed
        stale.unlink(missing_ok=True)
    existing = read_bank(folder, status=None)
    keep = existing if not retry_failed else existing[existing["status"] == "done"]
    finished = set(keep["sim"].astype(int))
    todo = [i for i in range(n) if i not in finished]
    items = [(i, participant_seed(seed, i), draw(priors, seed, i)) for i in todo]
    batches = [items[k : k + batch_size] for k in range(0, len(items), batch_size)]
    start = time.perf_counter()
    done = failed = 0
    sim_seconds: list[float] = []

    def finish(rows: list[dict[str, Any]]) -> None:
        nonlocal done, failed
        _write_part(folder, rows)
        done += sum(r["status"] == "done" for r in rows)
        failed += sum(r["status"] == "failed" for r in rows)
        sim_seconds.extend(r["seconds"] for r in rows)
        if on_batch is not None:
            on_batch(rows)

    if batches and workers == 0 and scheduler is None:
        for batch in batches:
            finish(_simulate_batch(simulator, batch))
    elif batches:
        _run_dask(simulator, batches, workers, scheduler, finish)
    elapsed = time.perf_counter() - start
    total = int((read_bank(folder)["status"] == "done").sum())
    return BankRun(
        done=done,
        skipped=len(finished & set(range(n))),
        failed=failed,
        seconds=elapsed,
        mean_simulation_s=float(np.mean(sim_seconds)) if sim_seconds else float("nan"),
        total=total,
    )


def _run_dask(simulator, batches, workers, scheduler, finish) -> None:
    from ..cohort import _make_client, as_finished

    client, cluster = _make_client(workers, scheduler)  # Brian2 is imported in the tasks (import_brian2)
    try:
        futures = {
            client.submit(
                _simulate_batch, simulator, batch, key=f"motorseq-bank-{batch[0][0]}-{uuid.uuid4().hex}"
            ): batch
            for batch in batches
        }
        for future in as_finished(client, futures, local=cluster is not None):
            batch = futures[future]
            try:
                rows = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. a worker that died: the batch is recorded failed
                rows = [
                    {"sim": i, "seed": s, **{THETA + k: v for k, v in p.items()}, "status": "failed",
                     "error": _one_line(exc), "seconds": float("nan")}
                    for i, s, p in batch
                ]  # fmt: skip
            finish(rows)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def bank_simulator(bank_dir: str | Path, build_root: str | None = None) -> ModelSimulator:
    """Rebuild the simulator a bank of the spiking model was made with, from its ``bank.json``.

    The protocol is loaded and shortened as recorded; it must hash as recorded, and the model
    code (``ModelCodeSHA256``) must be the one that simulated the bank, so simulations made now
    (a posterior predictive check) come from the same model and experiment as the bank's.

    Raises
    ------
    FitError
        A bank of another simulator (a test bank), or a protocol or model code that changed
        since the bank was made (one line naming the field).
    """
    from motorseq.protocols import load_protocol
    from motorseq.tasks.shorten import shorten_protocol

    path = Path(bank_dir) / _MANIFEST
    recorded = read_manifest(bank_dir).get("simulator", {})
    if recorded.get("model") != "motorseq spiking model":
        raise FitError(f"{path}: simulator: not a bank of the spiking model (made by another simulator)")
    blocks, trials = recorded.get("max_blocks"), recorded.get("max_trials_per_block")
    protocol = shorten_protocol(load_protocol(recorded["protocol"]), max_trials_per_block=trials, max_blocks=blocks)
    now = json.loads(json.dumps(model_description(recorded["protocol"], protocol, blocks, trials), default=str))
    difference = _first_difference(json.loads(json.dumps(recorded, default=str)), now, "simulator")
    if difference is not None:
        field, old, new = difference
        raise FitError(
            f"{path}: {field}: recorded {json.dumps(old)[:100]}, now {json.dumps(new)[:100]}; the model or "
            "protocol changed since the bank was made, so its simulations cannot be repeated"
        )
    return ModelSimulator(protocol, build_root=build_root)


def model_description(
    name: str, protocol: Any, max_blocks: int | None = None, max_trials_per_block: int | None = None
) -> dict[str, Any]:
    """Describe a bank of the spiking model for ``bank.json``: protocol, shortening, code version.

    A bank only grows with simulations made the same way: another protocol, shortening or model
    code (``ModelCodeSHA256``; a retuned model) needs another bank.
    """
    from motorseq.protocols import protocol_hash

    from ..provenance import code_version

    return {
        "model": "motorseq spiking model",
        "protocol": name,
        "protocol_hash": protocol_hash(protocol),
        "max_blocks": max_blocks,
        "max_trials_per_block": max_trials_per_block,
        "paradigm": protocol.paradigm,
        "code": code_version(),
    }


@dataclass(frozen=True)
class ModelSimulator:
    """The spiking model as a bank simulator: simulate, write the BIDS files, summarise them.

    The run is written by :func:`motorseq.models.output.write_participant` and read back by the
    analysis loader, so its statistics come from the files exactly as a person's do
    (:func:`motorseq.models.fit.summaries.summary_statistics`).

    Parameters
    ----------
    protocol : motorseq.protocols.Protocol
        The (possibly shortened) protocol.
    build_root : str, optional
        Build folders of the compiled network (see :func:`motorseq.models.cohort.build_slot`).
    trials_dir : str, optional
        Keep the trial files here (a BIDS dataset); otherwise a temporary folder is removed.
    """

    protocol: Any
    build_root: str | None = None
    trials_dir: str | None = None

    def __call__(self, params: Mapping[str, float], seed: int, index: int) -> dict[str, float]:
        """Simulate one parameter set and return its summary statistics."""
        from motorseq.analysis.loaders import load_dataset
        from motorseq.protocols import generate_trials

        from ..cohort import build_slot
        from ..output import write_participant
        from ..parameters import ModelParameters
        from ..participant import simulate_participant
        from .summaries import feature_columns, summary_statistics

        label = f"bank{index:07d}"
        model = ModelParameters().with_overrides(dict(params))
        trials = generate_trials(self.protocol, label, seed=seed)
        with build_slot(self.build_root) as workdir:
            result = simulate_participant(self.protocol, trials, model, seed=seed, workdir=workdir)
        root = Path(self.trials_dir) if self.trials_dir else Path(tempfile.mkdtemp(prefix="motorseq-bank-"))
        try:
            again = (root / f"sub-{label}").exists()  # a failed simulation simulated again (--retry-failed)
            write_participant(root, self.protocol, trials, result, participant=label, seed=seed, replace=again)
            table = summary_statistics(load_dataset(root / f"sub-{label}"))
        finally:
            if not self.trials_dir:
                shutil.rmtree(root, ignore_errors=True)
        if len(table) != 1:
            raise FitError(f"sub-{label}: expected one participant's statistics, got {len(table)} rows")
        return {c: float(table[c].iloc[0]) for c in feature_columns(table)}
