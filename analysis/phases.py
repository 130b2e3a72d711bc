"""Learning phases across and within sessions: pure functions on arrays and tidy tables.

Sign convention: every *gain* is positive when performance improves. For measures where lower
is better (RT, execution time), pass ``lower_is_better=True`` and the difference is flipped.

=========================== ==================================================================
measure                     definition
=========================== ==================================================================
offline gain                first ``n`` blocks of session *k* against the last ``n`` of *k − 1*
                            (Walker et al. 2002 use ``n = 3`` FTT trials)
retention (fraction kept)   (start₁ − retest) / (start₁ − end₁): 1 = all of the first session's
                            gain kept, 0 = back to the start; for a learning *effect* (random −
                            sequence RT, L − H) it is retest effect / end effect
trials to criterion         first block (1-based) whose value reaches the criterion
savings                     (T_learn − T_relearn) / T_learn (Ebbinghaus); the savings ratio is
                            T_new / T_old: > 1 when the old sequence comes back faster than a
                            new one is learnt (sequence-specific savings)
micro-online / -offline     Bönstrup et al. (2019): within a session, the change from the start
                            to the end of each practice period (online) and from the end of one
                            to the start of the next, across the rest (offline), summed
tempo reached               shortest inter-onset interval whose block accuracy reached the
                            criterion
mean asynchrony             tap time − metronome click time (negative: the tap anticipates)
inter-tap interval, CV      successive tap differences; SD / mean
Wing–Kristofferson          ITI_j = C_j + M_{j+1} − M_j with independent clock (C) and motor
                            (M) delays: var(ITI) = σ²_C + 2σ²_M and lag-1 autocovariance
                            = −σ²_M (Wing & Kristofferson, 1973)
=========================== ==================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "offline_gains",
    "retained_fraction",
    "trials_to_criterion",
    "savings",
    "Savings",
    "micro_gains",
    "tempo_steps",
    "asynchronies",
    "inter_tap_intervals",
    "timing_summary",
    "wing_kristofferson",
    "WingKristofferson",
]


def _sign(lower_is_better: bool) -> float:
    return -1.0 if lower_is_better else 1.0


def offline_gains(
    blocks: pd.DataFrame,
    value: str,
    lower_is_better: bool,
    n: int = 1,
    by: tuple[str, ...] = ("participant",),
    session: str = "session",
    order: str = "block",
) -> pd.DataFrame:
    """Offline gain between consecutive sessions: first ``n`` blocks of *k* vs last ``n`` of *k − 1*.

    Parameters
    ----------
    blocks : DataFrame
        One row per participant × session × block with the performance ``value``.
    value : str
        Column of performance (RT in ms, correct sequences per trial, ...).
    lower_is_better : bool
        ``True`` for times: then a faster retest is a positive gain.
    n : int
        Blocks averaged at each side.
    by : tuple of str
        Columns identifying a participant (kept in the output).
    session, order : str
        Session column (sorted numerically when it holds numbers) and block order column.

    Returns
    -------
    DataFrame
        One row per participant × session pair: ``session_from``, ``session_to``, ``end_before``,
        ``start_after``, ``offline_gain`` (in the unit of ``value``) and ``offline_gain_pct``
        (relative to ``end_before``).
    """
    rows = []
    sign = _sign(lower_is_better)
    for key, sub in blocks.groupby(list(by), sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        sessions = sorted(sub[session].astype(str).unique(), key=_session_key)
        for before, after in zip(sessions, sessions[1:], strict=False):
            a = sub[sub[session].astype(str) == before].sort_values(order)[value].to_numpy(float)
            b = sub[sub[session].astype(str) == after].sort_values(order)[value].to_numpy(float)
            end, start = np.nanmean(a[-n:]), np.nanmean(b[:n])
            gain = sign * (start - end)
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "session_from": before,
                    "session_to": after,
                    "end_before": end,
                    "start_after": start,
                    "offline_gain": gain,
                    "offline_gain_pct": 100.0 * gain / abs(end) if end else np.nan,
                }
            )
    columns = [*by, "session_from", "session_to", "end_before", "start_after", "offline_gain", "offline_gain_pct"]
    return pd.DataFrame(rows, columns=columns)


def _session_key(label: str) -> tuple[int, float | str]:
    try:
        return (0, float(label))
    except ValueError:
        return (1, label)


def retained_fraction(start: float, end: float, retest: float) -> float:
    """Fraction of a session's gain kept at a retest: ``(start − retest) / (start − end)``.

    The sign of the gain does not matter (it works for RT falling and for scores rising). For a
    learning *effect* that starts at 0 (random − sequence RT, L − H), give ``start=0``: the
    fraction is then ``retest / end``. ``NaN`` when nothing was gained.
    """
    gained = start - end
    if gained == 0 or not np.isfinite(gained):
        return float("nan")
    return float((start - retest) / gained)


def trials_to_criterion(values: np.ndarray, criterion: float, lower_is_better: bool, window: int = 1) -> float:
    """Blocks (or trials) until a running mean of ``window`` values first reaches ``criterion``.

    Returns
    -------
    float
        The 1-based position of the last value of the first window that reaches the criterion;
        ``NaN`` if it is never reached.
    """
    values = np.asarray(values, dtype=float)
    if values.size < window:
        return float("nan")
    running = np.convolve(values, np.ones(window) / window, mode="valid")
    reached = running <= criterion if lower_is_better else running >= criterion
    hits = np.flatnonzero(reached)
    return float(hits[0] + window) if hits.size else float("nan")


@dataclass(frozen=True)
class Savings:
    """Relearning savings of one participant (or group curve).

    Attributes
    ----------
    criterion : float
        End level of the first learning (mean of its last ``window`` values).
    trials_learn, trials_relearn, trials_new : float
        Blocks to reach the criterion in first learning, in relearning the same sequence and in
        learning a new one (``NaN`` when not given or never reached).
    savings, savings_new : float
        ``(T_learn − T) / T_learn`` for the old and the new sequence.
    savings_ratio : float
        ``T_new / T_relearn`` (> 1: the old sequence comes back faster than a new one is learnt).
    """

    criterion: float
    trials_learn: float
    trials_relearn: float
    trials_new: float
    savings: float
    savings_new: float
    savings_ratio: float


def savings(
    learn: np.ndarray,
    relearn: np.ndarray,
    new: np.ndarray | None = None,
    lower_is_better: bool = True,
    window: int = 1,
) -> Savings:
    """Relearning savings: blocks needed to reach the end level of first learning again.

    Parameters
    ----------
    learn, relearn : array
        Performance per block in first learning and in relearning the same sequence.
    new : array, optional
        Performance per block when learning a new sequence after the delay (control for general
        skill).
    lower_is_better : bool
        ``True`` for RT.
    window : int
        Blocks averaged for the criterion and for reaching it.
    """
    learn = np.asarray(learn, dtype=float)
    criterion = float(np.nanmean(learn[-window:]))
    t_learn = trials_to_criterion(learn, criterion, lower_is_better, window)
    t_old = trials_to_criterion(relearn, criterion, lower_is_better, window)
    t_new = trials_to_criterion(new, criterion, lower_is_better, window) if new is not None else float("nan")
    return Savings(
        criterion=criterion,
        trials_learn=t_learn,
        trials_relearn=t_old,
        trials_new=t_new,
        savings=(t_learn - t_old) / t_learn,
        savings_new=(t_learn - t_new) / t_learn,
        savings_ratio=t_new / t_old,
    )


def micro_gains(
    trials: pd.DataFrame,
    value: str,
    lower_is_better: bool,
    edge: int = 1,
    by: tuple[str, ...] = ("participant", "session"),
    block: str = "block",
    order: str = "trial",
) -> pd.DataFrame:
    """Micro-online and micro-offline gains within a session (Bönstrup et al., 2019).

    For each practice period (block) the performance at its start and at its end is the mean of
    its first and last ``edge`` values. Micro-online gain = Σ (end_b − start_b) over blocks;
    micro-offline gain = Σ (start_{b+1} − end_b) over the rests between them; their sum is the
    total gain from the start of the first block to the end of the last.

    Returns
    -------
    DataFrame
        One row per ``by`` group: ``micro_online``, ``micro_offline``, ``total``, ``n_blocks``.
    """
    sign = _sign(lower_is_better)
    rows = []
    for key, sub in trials.groupby(list(by), sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        starts, ends = [], []
        for _, blk in sub.sort_values([block, order]).groupby(block, sort=True):
            v = blk[value].to_numpy(float)
            v = v[np.isfinite(v)]
            if v.size < 2 * edge:
                continue
            starts.append(v[:edge].mean())
            ends.append(v[-edge:].mean())
        starts_a, ends_a = np.array(starts), np.array(ends)
        online = sign * float(np.sum(ends_a - starts_a))
        offline = sign * float(np.sum(starts_a[1:] - ends_a[:-1]))
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "micro_online": online,
                "micro_offline": offline,
                "total": online + offline,
                "n_blocks": len(starts),
            }
        )
    return pd.DataFrame(rows, columns=[*by, "micro_online", "micro_offline", "total", "n_blocks"])


def tempo_steps(
    blocks: pd.DataFrame, criterion: float, by: tuple[str, ...] = ("participant", "session")
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accuracy per tempo step and the tempo reached.

    Parameters
    ----------
    blocks : DataFrame
        One row per paced block: ``ioi_ms`` (metronome inter-onset interval) and ``accuracy``.
    criterion : float
        Accuracy that counts as mastering a tempo.

    Returns
    -------
    per_step : DataFrame
        ``by`` × ``ioi_ms``: ``accuracy`` (mean over the step's blocks), ``n_blocks``, ``reached``.
    reached : DataFrame
        ``by``: ``tempo_reached_ms`` (shortest IOI whose last block reached the criterion; NaN if
        none), ``final_ioi_ms``, ``final_accuracy`` (last block).
    """
    steps, summary = [], []
    for key, sub in blocks.groupby(list(by), sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        ids = dict(zip(by, key, strict=True))
        mastered = []
        for ioi, step in sub.groupby("ioi_ms", sort=True):
            ok = bool(step["accuracy"].iloc[-1] >= criterion)
            steps.append(
                {**ids, "ioi_ms": ioi, "accuracy": step["accuracy"].mean(), "n_blocks": len(step), "reached": ok}
            )
            if ok:
                mastered.append(ioi)
        last = sub.iloc[-1]
        summary.append(
            {
                **ids,
                "tempo_reached_ms": min(mastered) if mastered else np.nan,
                "final_ioi_ms": last["ioi_ms"],
                "final_accuracy": last["accuracy"],
            }
        )
    return pd.DataFrame(steps), pd.DataFrame(summary)


def asynchronies(taps: np.ndarray, clicks: np.ndarray, max_ms: float | None = None) -> np.ndarray:
    """Tap − nearest click for each tap (same unit as the inputs).

    Parameters
    ----------
    taps, clicks : array
        Tap times and metronome click times (sorted or not).
    max_ms : float, optional
        Taps farther than this from every click are ``NaN`` (misses); default half the median
        inter-click interval.
    """
    taps = np.asarray(taps, dtype=float)
    clicks = np.sort(np.asarray(clicks, dtype=float))
    if taps.size == 0 or clicks.size == 0:
        return np.full(taps.shape, np.nan)
    if max_ms is None:
        max_ms = np.median(np.diff(clicks)) / 2 if clicks.size > 1 else np.inf
    idx = np.clip(np.searchsorted(clicks, taps), 1, clicks.size - 1) if clicks.size > 1 else np.zeros(taps.size, int)
    if clicks.size > 1:
        left, right = clicks[idx - 1], clicks[idx]
        nearest = np.where(np.abs(taps - left) <= np.abs(taps - right), left, right)
    else:
        nearest = clicks[idx]
    out = taps - nearest
    out[np.abs(out) > max_ms] = np.nan
    return out


def inter_tap_intervals(taps: np.ndarray) -> np.ndarray:
    """Successive differences of the sorted tap times."""
    return np.diff(np.sort(np.asarray(taps, dtype=float)))


@dataclass(frozen=True)
class WingKristofferson:
    """Clock and motor variance of a series of inter-tap intervals.

    Attributes
    ----------
    clock_var, motor_var : float
        σ²_C and σ²_M (unit²); ``motor_var`` is 0 and ``valid`` False when the lag-1
        autocovariance is positive (the model predicts it is ≤ 0).
    lag1_autocorrelation : float
        Lag-1 autocorrelation of the ITIs (the model predicts between −0.5 and 0).
    valid : bool
        Whether the estimates satisfy the model's bounds.
    """

    clock_var: float
    motor_var: float
    lag1_autocorrelation: float
    valid: bool


def wing_kristofferson(itis: np.ndarray, detrend: bool = True) -> WingKristofferson:
    """Split ITI variance into clock and motor parts (Wing & Kristofferson, 1973).

    ``σ²_M = −acov(1)`` and ``σ²_C = var − 2σ²_M``; with ``detrend`` a linear drift (tempo
    drift in continuation) is removed first.
    """
    x = np.asarray(itis, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 4:
        return WingKristofferson(np.nan, np.nan, np.nan, False)
    if detrend:
        t = np.arange(x.size)
        x = x - np.polyval(np.polyfit(t, x, 1), t)
    x = x - x.mean()
    var = float(np.mean(x * x))
    acov1 = float(np.mean(x[1:] * x[:-1]))
    rho = acov1 / var if var > 0 else np.nan
    motor = max(-acov1, 0.0)
    clock = var - 2 * motor
    valid = acov1 <= 0 and clock >= 0
    return WingKristofferson(max(clock, 0.0), motor, rho, valid)


def timing_summary(taps: np.ndarray, clicks: np.ndarray | None = None) -> dict[str, float]:
    """Return the timing measures of one series: mean asynchrony (if ``clicks``), ITI mean, SD, CV, WK split."""
    itis = inter_tap_intervals(taps)
    out = {
        "n_taps": float(np.size(taps)),
        "mean_iti": float(np.mean(itis)) if itis.size else np.nan,
        "sd_iti": float(np.std(itis, ddof=1)) if itis.size > 1 else np.nan,
    }
    out["cv_iti"] = out["sd_iti"] / out["mean_iti"] if itis.size > 1 else np.nan
    wk = wing_kristofferson(itis)
    out.update(clock_var=wk.clock_var, motor_var=wk.motor_var, lag1_autocorrelation=wk.lag1_autocorrelation)
    if clicks is not None:
        asy = asynchronies(taps, clicks)
        out["mean_asynchrony"] = float(np.nanmean(asy)) if np.isfinite(asy).any() else np.nan
        out["sd_asynchrony"] = float(np.nanstd(asy, ddof=1)) if np.isfinite(asy).sum() > 1 else np.nan
    return out
