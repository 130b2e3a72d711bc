"""How a simulated run was made, and whether a run on disk is the one a new request would make.

A simulated run's sidecar records its protocol (with its hash), seed and every parameter
value; :func:`run_provenance` adds the cohort settings behind them (cohort seed, individual
draw, lesions, ``--param``, group) and the code version (``Extra.Simulation``).
``motorseq simulate`` into an existing folder counts a finished participant as done only
when :func:`first_difference` finds nothing between the recorded run and the one this
request would produce.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from importlib import metadata, resources
from typing import Any

__all__ = ["code_version", "expected_provenance", "first_difference", "run_provenance"]

#: Model modules that do not change what a simulation produces (bookkeeping, docs, checks).
_NOT_DYNAMICS = frozenset(
    {"__init__.py", "cli.py", "cohort.py", "errors.py", "parameter_ranges.py", "parameter_table.py",
     "provenance.py", "reproduction.py"}
)  # fmt: skip

#: Protocol modules that generate the trial list a participant performs.
_TRIAL_MODULES = ("trials.py", "triplets.py")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def code_version() -> dict[str, str]:
    """Return the versions that decide what a seed produces.

    Returns
    -------
    dict
        ``motorseq`` and ``brian2`` versions and ``ModelCodeSHA256``, the hash of the model
        modules that shape the dynamics and of the protocol modules that generate trial
        lists (a development checkout changes it without changing the version number).
    """
    digest = hashlib.sha256()
    models = resources.files("motorseq.models")
    files = sorted(f.name for f in models.iterdir() if f.name.endswith(".py") and f.name not in _NOT_DYNAMICS)
    protocols = resources.files("motorseq.protocols")
    for folder, names in ((models, files), (protocols, _TRIAL_MODULES)):
        for name in names:
            digest.update(name.encode() + b"\0" + folder.joinpath(name).read_bytes() + b"\0")
    return {"motorseq": _version("motorseq"), "brian2": _version("brian2"), "ModelCodeSHA256": digest.hexdigest()}


def run_provenance(job: Any) -> dict[str, Any]:
    """Return the cohort settings and code behind one participant's run (``Extra.Simulation``).

    Parameters
    ----------
    job : motorseq.models.cohort.ParticipantJob
        The participant's job.
    """
    return {
        "CohortSeed": int(job.cohort_seed),
        "ParticipantIndex": int(job.index),
        "Variability": bool(job.variability),
        "Lesions": {k: float(v) for k, v in sorted(job.lesions.items())},
        "Overrides": {k: v for k, v in sorted(job.overrides.items())},
        "Group": job.group,
        "Code": code_version(),
    }


def expected_provenance(job: Any, parameters: Mapping[str, Any], protocol_sha256: str) -> dict[str, Any]:
    """Return what the sidecar of ``job``'s run will hold, in the fields :func:`first_difference` compares."""
    return {
        "ProtocolSHA256": protocol_sha256,
        "Seed": int(job.seed),
        "Parameters": json.loads(json.dumps(dict(parameters))),
        "Simulation": json.loads(json.dumps(run_provenance(job))),
    }


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def first_difference(sidecar: Mapping[str, Any], expected: Mapping[str, Any]) -> str | None:
    """Return the first field in which a recorded run differs from ``expected``, or None.

    Parameters
    ----------
    sidecar : mapping
        The run's ``_beh.json``.
    expected : mapping
        :func:`expected_provenance` of the new request.

    Returns
    -------
    str or None
        ``"<field>: recorded <a>, this run <b>"`` (one line), or None when the run matches.
    """
    if sidecar.get("RunStatus") != "complete":
        return f"RunStatus: recorded {sidecar.get('RunStatus')!r}, not 'complete'"
    if sidecar.get("ProtocolSHA256") != expected["ProtocolSHA256"]:
        return (
            f"protocol: recorded {str(sidecar.get('ProtocolSHA256'))[:12]}, this run "
            f"{expected['ProtocolSHA256'][:12]} (another protocol file, --max-blocks or --max-trials-per-block)"
        )
    if sidecar.get("Seed") != expected["Seed"]:
        return f"seed: recorded {sidecar.get('Seed')}, this run {expected['Seed']} (--seed)"
    recorded_sim = (sidecar.get("Extra") or {}).get("Simulation")
    if not isinstance(recorded_sim, Mapping):
        return "Extra.Simulation: not recorded (made by an older motorseq; cannot tell how it was made)"
    labels = {"Variability": "--variability", "Lesions": "--lesion", "Overrides": "--param", "Group": "--group"}
    for key, option in labels.items():
        if recorded_sim.get(key) != expected["Simulation"][key]:
            return f"{option}: recorded {_short(recorded_sim.get(key))}, this run {_short(expected['Simulation'][key])}"
    recorded_params = dict((sidecar.get("Source") or {}).get("Parameters") or {})
    for name, value in expected["Parameters"].items():
        if recorded_params.get(name) != value:
            return f"parameter {name}: recorded {_short(recorded_params.get(name))}, this run {_short(value)}"
    for key, value in expected["Simulation"]["Code"].items():
        recorded = (recorded_sim.get("Code") or {}).get(key)
        if recorded != value:
            return f"code version {key}: recorded {_short(recorded)}, this run {_short(value)}"
    return None
