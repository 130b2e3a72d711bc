"""The ``motorseq fit`` workflow: bank → estimator (trained once) → check and/or people → tables."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .bank import bank_priors, bank_simulator, read_bank, read_manifest
from .check import recovery_check, statistic_information
from .compress import DEFAULT_COMPRESS
from .group import (
    GROUP_SIZE,
    HETEROGENEITY_ALPHA,
    MIN_GROUPS,
    group_posteriors,
    group_recovery_summary,
    people_outside_groups,
)
from .inference import (
    MIN_ESS,
    Estimator,
    fit_people,
    predictive_bands,
    predictive_verdicts,
    simulate_predictive,
    simulated_bands,
    train_estimator,
    verdict_summary,
)
from .priors import FitError, Priors
from .summaries import summary_statistics

__all__ = ["fit_command", "group_differences", "load_estimator"]

ESTIMATOR_FILE = "estimator.pkl"
#: The tables a fit of people's data writes into ``--out``.
FIT_TABLES = (
    "summaries.csv",
    "posterior_samples.parquet",
    "posterior_summary.csv",
    "predictive_check.csv",
    "predictive_simulations.csv",
    "group_differences.csv",
    "group_posteriors.csv",
)
#: The tables ``--check`` writes into ``--out``.
CHECK_TABLES = ("recovery.csv", "recovery_draws.csv", "information.csv", "group_recovery.csv")
#: The printed summary (written by the CLI).
SUMMARY_FILE = "summary.txt"


def check_fit_out(out: Path, force: bool = False) -> None:
    """Refuse an ``--out`` that is not a folder, or a non-empty one without ``force``.

    Raises
    ------
    FitError
        ``out`` is a file, or holds files and ``force`` is not given (one line naming it).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FitError(f"{out}: --out exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise FitError(
            f"{out}: --out is not empty; use --force to write into it (the tables an earlier fit wrote there are "
            "removed first)"
        )


def clear_fit_outputs(out: Path) -> list[Path]:
    """Remove the files an earlier ``motorseq fit`` wrote into ``out`` (no other file); return them.

    The estimator (``estimator.pkl``) stays: it is a cache, reused only when it was trained on
    the same bank with the same settings (:func:`load_estimator`).
    """
    removed = []
    for name in (*FIT_TABLES, *CHECK_TABLES, SUMMARY_FILE):
        for path in (Path(out) / name, Path(out) / f"{name}.tmp"):
            if path.is_file():
                path.unlink()
                removed.append(path)
    return removed


def _fingerprint(
    bank: pd.DataFrame, seed: int, max_epochs: int | None, density: str, ensemble: int = 1, compress: str = "none"
) -> str:
    ids = ",".join(map(str, bank["sim"].astype(int)))
    columns = sorted(c for c in bank.columns if c.startswith(("theta.", "x.")))
    content = int(pd.util.hash_pandas_object(bank[columns], index=False).sum()) if columns else 0
    key = f"{ids}|{content}|{seed}|{max_epochs}|{density}|{ensemble}|{compress}|scaled-logit"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def load_estimator(
    out: Path,
    bank: pd.DataFrame,
    priors: Priors,
    seed: int = 0,
    max_epochs: int | None = None,
    density: str = "nsf",
    ensemble: int = 1,
    compress: str = DEFAULT_COMPRESS,
) -> tuple[Estimator, bool]:
    """Return the estimator of ``bank`` (``out/estimator.pkl`` if made from the same bank) and whether it was reused."""
    path = Path(out) / ESTIMATOR_FILE
    fingerprint = _fingerprint(bank, seed, max_epochs, density, ensemble, compress)
    if path.is_file():
        try:
            cached = Estimator.load(path)
            if cached.info.get("fingerprint") == fingerprint:
                return cached, True
        except Exception:  # noqa: BLE001 - an unreadable cache is retrained
            pass
    estimator = train_estimator(
        bank, priors, seed=seed, max_epochs=max_epochs, density=density, ensemble=ensemble, compress=compress
    )
    estimator.info["fingerprint"] = fingerprint
    Path(out).mkdir(parents=True, exist_ok=True)
    estimator.save(path)
    return estimator, False


def _compressed_width(estimator: Estimator) -> int:
    """How many numbers the flow is conditioned on (the compression's output width)."""
    return int(estimator.transform(np.zeros((1, len(estimator.features)))).shape[1])


def group_differences(summary: pd.DataFrame) -> pd.DataFrame:
    """Compare the posterior means of each parameter between groups (Welch t test; Kruskal-Wallis for > 2).

    Returns
    -------
    DataFrame
        ``parameter, session, groups, means, test, statistic, p`` (empty with one group).
    """
    from scipy import stats

    rows = []
    for (name, ses), sub in summary.groupby(["parameter", "session"], sort=True, observed=True):
        groups = {g: s["mean"].to_numpy() for g, s in sub.groupby("group", sort=True, observed=True)}
        if len(groups) < 2 or min(len(v) for v in groups.values()) < 2:
            continue
        values = list(groups.values())
        if len(groups) == 2:
            res, test = stats.ttest_ind(*values, equal_var=False), "welch-t"
        else:
            res, test = stats.kruskal(*values), "kruskal"
        rows.append(
            {
                "parameter": name,
                "session": ses,
                "groups": " | ".join(map(str, groups)),
                "means": " | ".join(f"{np.mean(v):.4g}" for v in values),
                "test": test,
                "statistic": float(res.statistic),
                "p": float(res.pvalue),
            }
        )
    return pd.DataFrame(rows)


def _predictive_lines(verdicts: pd.DataFrame, n_fitted: int, source: str) -> list[str]:
    """Summarise the predictive check: people inside, outside and not assessed."""
    summary = verdict_summary(verdicts)
    share = (
        f"{summary['inside']} of {summary['assessed']} ({summary['rate']:.0%})"
        if summary["assessed"]
        else "none assessed"
    )
    lines = [
        f"fitted {n_fitted} participant x session(s); block curve inside the 90% predictive band in >= 80% of "
        f"blocks for {share}; band from {source}"
    ]
    if summary["outside"]:
        lines.append("outside: " + ", ".join(summary["outside"]))
    if summary["not_assessed"]:
        lines.append(
            f"not assessed (band from fewer than {MIN_ESS:.0f} effective simulations; a larger bank or "
            "--predictive-draws): " + ", ".join(summary["not_assessed"])
        )
    return lines


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(path)


def _people_statistics(
    data: list[Path], bank: pd.DataFrame, bank_dir: Path, manifest: dict, session: str | None, data_format: str
) -> pd.DataFrame:
    """Load the people's data, keep ``session`` and compute their statistics, cut to the bank's protocol."""
    from motorseq.analysis.loaders import load_dataset
    from motorseq.analysis.loaders.common import Dataset

    dataset = load_dataset(data if len(data) > 1 else data[0], data_format)
    if session is not None:
        keep = dataset.trials["session"].astype(str) == str(session)
        if not keep.any():
            raise FitError(f"--session: no session {session!r} in {data[0]}")
        dataset = Dataset(
            dataset.trials[keep].reset_index(drop=True), None, dataset.format, dataset.files, dataset.notes,
            dataset.conventions,
        )  # fmt: skip
    simulator = manifest.get("simulator", {})
    n_blocks = len([c for c in bank.columns if c.startswith("x.rt_b")]) or None
    trials_cap = simulator.get("max_trials_per_block")
    _check_design(data[0], dataset.trials, bank_dir, simulator, n_blocks, trials_cap)
    return summary_statistics(dataset, max_blocks=n_blocks, max_trials_per_block=trials_cap)


def _bank_design(bank_dir: Path, simulator: dict) -> list[tuple[str, int]] | None:
    """Return the learning blocks (kind, trials) of the protocol a bank of the spiking model simulated.

    None for a bank of another simulator (no protocol recorded).

    Raises
    ------
    FitError
        The recorded protocol cannot be loaded (one line naming bank.json and the field).
    """
    from motorseq.protocols import load_protocol
    from motorseq.tasks.shorten import shorten_protocol

    name = simulator.get("protocol") if isinstance(simulator, dict) else None
    if name is None:
        return None
    try:
        protocol = shorten_protocol(
            load_protocol(name),
            max_trials_per_block=simulator.get("max_trials_per_block"),
            max_blocks=simulator.get("max_blocks"),
        )
    except Exception as exc:  # noqa: BLE001 - any failure to rebuild the design is the same one line
        text = str(exc).strip().splitlines()
        raise FitError(
            f"{Path(bank_dir) / 'bank.json'}: simulator.protocol: {name!r} cannot be loaded to check the data's design "
            f"against the bank's ({text[0] if text else type(exc).__name__})"
        ) from None
    blocks = [(b.kind, b.trials) for b in protocol.blocks for _ in range(b.repeat)]
    return [(kind, trials) for kind, trials in blocks if kind != "practice"]


def _check_design(
    source: Path,
    trials: pd.DataFrame,
    bank_dir: Path,
    simulator: dict,
    max_blocks: int | None,
    max_trials_per_block: int | None,
) -> None:
    """Refuse people whose learning blocks, cut as fit cuts them, are shorter than the bank's or of another kind.

    Longer blocks and more blocks are cut to the bank's design (:func:`restrict`); a person who
    stopped early (fewer blocks, the last one possibly unfinished) is fitted with the missing
    statistics filled in (and a warning). A block of another kind (SRT: random where the bank
    has sequence) or with fewer trials than the bank's before the person's last block would give
    statistics the bank's simulations do not describe.

    Raises
    ------
    FitError
        One line naming the data, the person, the block and both numbers.
    """
    from .summaries import restrict

    design = _bank_design(bank_dir, simulator)
    if design is None or trials.empty:
        return
    cut = restrict(trials, max_blocks, max_trials_per_block)
    cut = cut[~cut["is_practice"].astype(bool)]
    manifest = Path(bank_dir) / "bank.json"
    for (participant, session), run in cut.groupby(["participant", "session"], sort=True, observed=True):
        counts = run.groupby("block", sort=True, observed=True).size()
        for k, (block, n) in enumerate(counts.items(), start=1):
            if k > len(design):
                break
            kind, wanted = design[k - 1]
            types = run.loc[run["block"] == block, "trial_type"].astype(str)
            found = types.mode().iloc[0] if kind in ("sequence", "random") and len(types) else kind
            where = f"{source}: participant {participant} session {session}: learning block {k} (block {block})"
            if found in ("sequence", "random") and found != kind:
                raise FitError(
                    f"{where} is a {found} block, the bank's design ({manifest}: simulator.protocol "
                    f"{simulator.get('protocol')}) has a {kind} block there; fit it against a bank of its design"
                )
            if n < wanted and k < len(counts):
                raise FitError(
                    f"{where} has {n} trials, the bank's design has {wanted} ({manifest}: simulator.protocol "
                    f"{simulator.get('protocol')}, max_trials_per_block {simulator.get('max_trials_per_block')}); "
                    "fit it against a bank of its design"
                )


def fit_command(
    data: list[Path],
    bank_dir: Path,
    out: Path,
    check: bool = False,
    session: str | None = None,
    n_samples: int = 1000,
    holdout: float | int = 0.1,
    seed: int = 0,
    max_epochs: int | None = None,
    data_format: str = "auto",
    density: str = "nsf",
    folds: int | None = None,
    ensemble: int = 1,
    compress: str = DEFAULT_COMPRESS,
    shared: list[str] | None = None,
    predictive_draws: int = 0,
    workers: int | None = 0,
    scheduler: str | None = None,
    force: bool = False,
) -> list[str]:
    """Run ``motorseq fit``; return the lines it prints (also in ``out/summary.txt``).

    With ``predictive_draws`` > 0 the predictive check simulates the bank's model and protocol
    at that many posterior draws per person (``predictive_simulations.csv``; ``workers`` /
    ``scheduler`` as for the bank); otherwise the band comes from the bank's simulations,
    weighted by each person's posterior, and is not assessed where fewer than ``MIN_ESS``
    effective simulations carry it.

    A non-empty ``out`` is refused unless ``force``; with ``force`` the files an earlier fit
    wrote there (:data:`FIT_TABLES`, :data:`CHECK_TABLES`, ``summary.txt``) are removed once
    the bank and the data have been read, so no table of another run stays behind.

    Raises
    ------
    FitError
        No bank, too small a bank, data the bank cannot fit, a non-empty ``out`` without
        ``force`` (one line naming what).
    """
    out = Path(out)
    check_fit_out(out, force)
    manifest = read_manifest(bank_dir)
    priors = bank_priors(bank_dir)
    for name in shared or []:
        if name not in priors.names:
            raise FitError(f"--shared: {name!r} is not a parameter of the bank (fitted: {', '.join(priors.names)})")
    bank = read_bank(bank_dir)
    if bank.empty:
        failed = len(read_bank(bank_dir, status=None))
        raise FitError(
            f"{Path(bank_dir) / 'parts'}: no finished simulations"
            + (f" ({failed} failed; motorseq bank --retry-failed)" if failed else " (grow the bank with motorseq bank)")
        )
    stats = _people_statistics(data, bank, bank_dir, manifest, session, data_format) if data else None
    # refuses a bank whose model or protocol changed
    simulator = bank_simulator(bank_dir) if stats is not None and predictive_draws > 0 else None
    out.mkdir(parents=True, exist_ok=True)
    clear_fit_outputs(out)  # only after every input was read: a refused run leaves the earlier fit alone
    lines = [f"bank {bank_dir}: {len(bank)} finished simulations of {json.dumps(manifest.get('simulator', {}))}"]
    if check:
        result = recovery_check(
            bank, priors, holdout=holdout, seed=seed, folds=folds, max_epochs=max_epochs, density=density,
            ensemble=ensemble, compress=compress,
        )  # fmt: skip
        _write_csv(result.parameters, out / "recovery.csv")
        _write_csv(result.recovered, out / "recovery_draws.csv")
        information = statistic_information(bank, priors)
        _write_csv(information, out / "information.csv")
        n_held = int(result.parameters["n"].iloc[0])
        held = f"every simulation held back once ({folds} folds)" if folds else f"{n_held} held back"
        lines.append(f"recovery on {held}; statistic most related to each parameter (Spearman rho across the bank):")
        for name in priors.names:
            col = information[name].abs()
            if col.notna().any():
                best = information.loc[col.idxmax()]
                lines.append(f"  {name}: {best['statistic']} (rho {best[name]:+.2f})")
        for r in result.parameters.itertuples():
            lines.append(
                f"recovery {r.parameter}: r = {r.r:.2f}, 90% coverage {r.coverage:.0%}, SBC p = {r.sbc_p:.2f}, "
                f"contraction {r.contraction:.2f}{'' if r.identifiable else ' (not identifiable)'}"
            )
        lines.append("not identifiable: " + (", ".join(result.non_identifiable) or "none"))
        grouped = group_recovery_summary(result.draws, result.truth, priors.names)
        _write_csv(grouped, out / "group_recovery.csv")
        if grouped["groups"].max() < MIN_GROUPS:
            lines.append(
                f"groups of {GROUP_SIZE} sharing a value: too few held-back simulations lie close enough in true "
                f"value to form {MIN_GROUPS} groups (use --folds to hold every simulation back)"
            )
        else:
            lines.append(
                f"groups of {GROUP_SIZE} sharing a value (held-back simulations that are neighbours in true value; "
                "group_recovery.csv):"
            )
            for r in grouped.itertuples():
                lines.append(f"  {r.parameter}: r = {r.r:.2f}, 90% coverage {r.coverage:.0%} ({r.groups} groups)")
    if stats is None:
        return lines
    estimator, reused = load_estimator(
        out, bank, priors, seed=seed, max_epochs=max_epochs, density=density, ensemble=ensemble, compress=compress
    )
    lines.append(
        f"estimator: {'reused (' + ESTIMATOR_FILE + ')' if reused else 'trained'}: {estimator.n_train} simulations, "
        f"{len(estimator.features)} statistics"
        + (
            f", compressed to {_compressed_width(estimator)} regression estimates ({compress})"
            if compress != "none"
            else ""
        )  # fmt: skip
    )
    for r in estimator.missing(stats).itertuples():
        if r.missing:
            names = r.names.split(", ")
            shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
            lines.append(
                f"warning: {r.participant}/ses-{r.session}: {r.missing} of {r.of} statistics missing ({shown}), "
                "filled with the bank's median; blocks without data are not scored by the predictive check"
            )
    samples, summary = fit_people(estimator, stats, n_samples=n_samples, seed=seed)
    _write_csv(stats, out / "summaries.csv")
    tmp = out / "posterior_samples.parquet.tmp"
    samples.to_parquet(tmp, index=False)
    tmp.replace(out / "posterior_samples.parquet")
    _write_csv(summary, out / "posterior_summary.csv")
    if simulator is not None:
        simulated = simulate_predictive(
            simulator, samples, priors.names, n_draws=predictive_draws, seed=seed, workers=workers, scheduler=scheduler
        )  # fmt: skip
        _write_csv(simulated, out / "predictive_simulations.csv")
        bands = simulated_bands(simulated, stats)
        source = f"{predictive_draws} simulations at posterior draws per person"
        failed = int((simulated["status"] != "done").sum())
        if failed:
            lines.append(
                f"predictive check: {failed} of {len(simulated)} simulations failed (predictive_simulations.csv)"
            )
    else:
        bands = predictive_bands(estimator, bank, stats)
        source = f"the bank weighted by each posterior (median effective sample {bands['ess'].median():.0f})"
    _write_csv(bands, out / "predictive_check.csv")
    lines.extend(_predictive_lines(predictive_verdicts(bands), len(stats), source))
    groups = group_differences(summary)
    if not groups.empty:
        _write_csv(groups, out / "group_differences.csv")
        for r in groups[groups["p"] < 0.05].itertuples():
            lines.append(f"groups differ in {r.parameter} (session {r.session}): {r.groups} = {r.means}, p = {r.p:.3f}")
    if shared:
        together = group_posteriors(samples, priors, parameters=shared)
        _write_csv(together, out / "group_posteriors.csv")
        lines.append(
            f"the value each group shares ({', '.join(shared)}, as --shared says; group_posteriors.csv):"
            if not together.empty else "--shared: no group has two or more people; group_posteriors.csv is empty"
        )  # fmt: skip
        for (session, name), part in together.groupby(["session", "parameter"], sort=False):
            values = "; ".join(
                f"{r.group} {r.mean:.3g} [{r.q05:.3g}, {r.q95:.3g}] (n={r.n})" for r in part.itertuples()
            )
            lines.append(f"  {name} (session {session}): {values}")
        flagged = (together["disagree"] > 0) | (together["heterogeneity_p"] < HETEROGENEITY_ALPHA)
        for r in together[flagged].itertuples():
            lines.append(
                f"warning: {r.group}/ses-{r.session}: {r.parameter}: {r.disagree} of {r.n} people's own posteriors "
                f"exclude the shared value from their 99% range; Cochran's Q p = {r.heterogeneity_p:.2g}: "
                "a shared value may not describe them"
            )
        missing, alone = people_outside_groups(samples)
        if missing:
            lines.append(f"--shared: without a group, left out: {', '.join(missing)}")
        if alone:
            lines.append(f"--shared: groups of one person, no shared value: {', '.join(alone)}")
    return lines
