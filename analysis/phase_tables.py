"""Phase tables of a cleaned data set: the measures of :mod:`motorseq.analysis.phases` per paradigm.

``motorseq analyze`` adds these tables (``phase_*``) to its output:

=============================== ===========================================================
table                           when
=============================== ===========================================================
``phase_session_summary``       always: per participant × session, start and end performance
``phase_micro_gains``           SRT, ASRT, DSP: micro-online / micro-offline gains (edge 5 trials)
``phase_offline_gains``         two sessions or more: first block of *k* vs last of *k − 1*
                                (FTT: 3 trials each side, Walker et al. 2002)
``phase_retention``             two sessions or more: general skill and the sequence-specific
                                effect kept at each later session (fraction of session 1)
``phase_savings``               two sessions or more, SRT/DSP: blocks to reach session 1's end
                                level again; ``phase_savings_groups`` gives the savings ratio
                                T_new / T_same when a group label holds ``new`` (the
                                new-sequence control, as in the bundled study)
``phase_tempo``, ``_reached``   paced blocks (an ``ioi_ms`` column): accuracy per tempo step
``timing_per_trial``, ``_summary`` sct: mean asynchrony (synchronisation), ITI, CV and the
                                Wing-Kristofferson split (continuation)
=============================== ===========================================================

Performance is the block median RT of correct cleaned trials on sequence (SRT, DSP) or H+L
(ASRT) trials, lower is better; FTT uses correct sequences per trial, higher is better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import phases as ph
from .measures import ID_COLUMNS

__all__ = ["phase_tables", "phase_summary", "performance_per_block", "timing_tables", "TEMPO_CRITERION"]

#: Accuracy that counts as mastering a tempo step (as the bundled paced protocols use).
TEMPO_CRITERION = 0.9
_BY = ("participant", "group", "source", "paradigm")
#: Synchronisation beats left out of the asynchrony (the first tap is a reaction to the first beat).
SETTLE_BEATS = 2


def performance_per_block(cleaned: pd.DataFrame, paradigm: str) -> tuple[pd.DataFrame, str, bool]:
    """Return (one row per participant × session × block with ``value``, its name, lower is better)."""
    if paradigm == "ftt":
        rows = cleaned[~cleaned["is_practice"]]
        out = rows[ID_COLUMNS + ["block", "trial", "n_correct_sequences"]].copy()
        out["block"] = out.groupby(ID_COLUMNS, observed=True).cumcount() + 1  # each 30-s trial is a block
        return out.rename(columns={"n_correct_sequences": "value"}), "correct sequences per trial", False
    column = "execution_time_ms" if paradigm == "dsp" else "rt_ms"
    mask = cleaned["use_rt"] & ~cleaned["is_practice"]
    if paradigm == "asrt":
        mask &= cleaned["triplet_type"].isin(["H", "L"])
    else:
        mask &= cleaned["trial_type"] == "sequence"
    rows = cleaned.loc[mask, ID_COLUMNS + ["block", column]]
    out = rows.groupby(ID_COLUMNS + ["block"], observed=True, sort=True)[column].median().rename("value").reset_index()
    return out, ("median execution time (ms)" if paradigm == "dsp" else "median RT (ms)"), True


def _trial_values(cleaned: pd.DataFrame, paradigm: str) -> pd.DataFrame:
    column = "execution_time_ms" if paradigm == "dsp" else "rt_ms"
    mask = cleaned["use_rt"] & ~cleaned["is_practice"]
    if paradigm == "asrt":
        mask &= cleaned["triplet_type"].isin(["H", "L"])
    else:
        mask &= cleaned["trial_type"] == "sequence"
    return cleaned.loc[mask, ID_COLUMNS + ["block", "trial", column]].rename(columns={column: "value"})


def _session_summary(blocks: pd.DataFrame) -> pd.DataFrame:
    g = blocks.groupby(ID_COLUMNS, observed=True, sort=True)["value"]
    return pd.DataFrame({"start": g.first(), "end": g.last(), "n_blocks": g.size()}).reset_index()


def _effect_per_session(tables: dict[str, pd.DataFrame], paradigm: str) -> pd.DataFrame | None:
    """Sequence-specific effect per participant × session at its first and last measurement."""
    if paradigm == "asrt" and "asrt_triplet_learning" in tables:
        t, unit, value = tables["asrt_triplet_learning"], "epoch", "triplet_effect_ms"
    elif paradigm == "srt" and "srt_sequence_learning" in tables:
        t, unit, value = tables["srt_sequence_learning"], "block", "sequence_effect_ms"
    else:
        return None
    if t.empty:
        return None
    g = t.sort_values(unit).groupby(ID_COLUMNS, observed=True, sort=True)[value]
    return pd.DataFrame({"effect_first": g.first(), "effect_last": g.last()}).reset_index()


def _retention(summary: pd.DataFrame, effects: pd.DataFrame | None) -> pd.DataFrame:
    rows = []
    for key, sub in summary.groupby(list(_BY), observed=True, sort=True):
        sub = sub.assign(_k=sub["session"].astype(str).map(ph._session_key)).sort_values("_k")
        first = sub.iloc[0]
        for later in sub.iloc[1:].itertuples():
            row = {
                **dict(zip(_BY, key, strict=True)),
                "session_from": str(first["session"]),
                "session_to": str(later.session),
                "general_end": first["end"],
                "general_retest": later.start,
                "general_retained": ph.retained_fraction(first["start"], first["end"], later.start),
            }
            if effects is not None:
                mine = effects[effects["participant"] == key[0]]
                e = mine.set_index(mine["session"].astype(str))
                if str(first["session"]) in e.index and str(later.session) in e.index:
                    end = float(e.loc[str(first["session"]), "effect_last"])
                    retest = float(e.loc[str(later.session), "effect_first"])
                    row.update(specific_end=end, specific_retest=retest)
                    row["specific_retained"] = ph.retained_fraction(0.0, end, retest)
            rows.append(row)
    return pd.DataFrame(rows)


def _savings(blocks: pd.DataFrame, lower: bool) -> pd.DataFrame:
    rows = []
    for key, sub in blocks.groupby(list(_BY), observed=True, sort=True):
        sessions = sorted(sub["session"].astype(str).unique(), key=ph._session_key)
        learn = sub[sub["session"].astype(str) == sessions[0]].sort_values("block")["value"].to_numpy(float)
        for later in sessions[1:]:
            again = sub[sub["session"].astype(str) == later].sort_values("block")["value"].to_numpy(float)
            s = ph.savings(learn, again, lower_is_better=lower)
            rows.append(
                {
                    **dict(zip(_BY, key, strict=True)),
                    "session_from": sessions[0],
                    "session_to": later,
                    "criterion": s.criterion,
                    "trials_learn": s.trials_learn,
                    "trials_relearn": s.trials_relearn,
                    "savings": s.savings,
                }
            )
    return pd.DataFrame(rows)


def _savings_groups(savings: pd.DataFrame) -> pd.DataFrame | None:
    groups = [str(g) for g in savings["group"].unique()]
    control = [g for g in groups if "new" in g]
    same = [g for g in groups if g not in control]
    if len(control) != 1 or len(same) != 1:
        return None
    rows = []
    for ses, sub in savings.groupby("session_to", sort=True):
        t_new = sub.loc[sub["group"] == control[0], "trials_relearn"].mean()
        t_old = sub.loc[sub["group"] == same[0], "trials_relearn"].mean()
        rows.append(
            {
                "session_to": ses,
                "group_same": same[0],
                "group_new": control[0],
                "trials_relearn_same": t_old,
                "trials_relearn_new": t_new,
                "savings_same": sub.loc[sub["group"] == same[0], "savings"].mean(),
                "savings_new": sub.loc[sub["group"] == control[0], "savings"].mean(),
                "savings_ratio": t_new / t_old if t_old else np.nan,
            }
        )
    return pd.DataFrame(rows)


def timing_tables(cleaned: pd.DataFrame, presses: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Synchronisation-continuation measures per trial and per participant × session.

    Taps (``presses.rt_ms``: from the first beat) before ``(sync_beats − 0.5) × ioi`` are
    synchronisation taps, matched to beats ``k × ioi``; the taps of the first
    :data:`SETTLE_BEATS` beats are left out (the first tap reacts to the first beat; tapping
    settles in over a few beats, Repp 2005). The later taps are continuation taps.
    """
    keys = ["participant", "session", "run", "block", "trial"]
    info = cleaned.drop_duplicates(keys).set_index(keys)
    rows = []
    for key, taps in presses.groupby(keys, observed=True, sort=True):
        if key not in info.index:
            continue
        trial = info.loc[key]
        ioi, n_sync = float(trial["ioi_ms"]), int(trial["sync_beats"])
        t = np.sort(taps["rt_ms"].to_numpy(float))
        sync = t[(t >= (SETTLE_BEATS - 0.5) * ioi) & (t < (n_sync - 0.5) * ioi)]
        cont = t[t >= (n_sync - 0.5) * ioi]
        synced = ph.timing_summary(sync, np.arange(SETTLE_BEATS, n_sync) * ioi)
        kept = ph.timing_summary(cont)
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "group": trial["group"],
                "source": trial["source"],
                "ioi_ms": ioi,
                "mean_asynchrony_ms": synced["mean_asynchrony"],
                "sd_asynchrony_ms": synced["sd_asynchrony"],
                "n_continuation_taps": kept["n_taps"],
                "mean_iti_ms": kept["mean_iti"],
                "cv_iti": kept["cv_iti"],
                "clock_var_ms2": kept["clock_var"],
                "motor_var_ms2": kept["motor_var"],
                "lag1_autocorrelation": kept["lag1_autocorrelation"],
            }
        )
    per_trial = pd.DataFrame(rows)
    if per_trial.empty:
        return {"timing_per_trial": per_trial}
    values = [c for c in per_trial.columns if c not in keys + ["group", "source"]]
    per = per_trial.groupby(["participant", "session", "group", "source"], observed=True)[values].mean()
    return {"timing_per_trial": per_trial, "timing_summary": per.reset_index()}


def phase_tables(
    cleaned: pd.DataFrame,
    paradigm: str,
    tables: dict[str, pd.DataFrame] | None = None,
    presses: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Compute the ``phase_*`` tables of a cleaned data set.

    Parameters
    ----------
    cleaned : DataFrame
        Output of :func:`~motorseq.analysis.cleaning.clean`.
    paradigm : str
        The data set's paradigm.
    tables : dict, optional
        Tables computed already (the sequence-specific effects are read from them).
    presses : DataFrame, optional
        Key presses (tapping: the timing measures come from them).

    Returns
    -------
    dict of str to DataFrame
    """
    tables = tables or {}
    if paradigm == "sct":
        return timing_tables(cleaned, presses) if presses is not None else {}
    blocks, _, lower = performance_per_block(cleaned, paradigm)
    out = {"phase_session_summary": _session_summary(blocks)}
    if paradigm in ("srt", "asrt", "dsp"):
        edge = 5 if paradigm != "dsp" else 1
        out["phase_micro_gains"] = ph.micro_gains(
            _trial_values(cleaned, paradigm), "value", lower_is_better=True, edge=edge, by=tuple(ID_COLUMNS)
        )
    if cleaned["session"].nunique() > 1:
        n = 3 if paradigm == "ftt" else 1
        out["phase_offline_gains"] = ph.offline_gains(blocks, "value", lower, n=n, by=_BY)
        out["phase_retention"] = _retention(out["phase_session_summary"], _effect_per_session(tables, paradigm))
        if paradigm in ("srt", "dsp", "ftt"):
            out["phase_savings"] = sav = _savings(blocks, lower)
            groups = _savings_groups(sav) if not sav.empty else None
            if groups is not None:
                out["phase_savings_groups"] = groups
    if cleaned["ioi_ms"].notna().any():
        paced = cleaned[cleaned["ioi_ms"].notna() & cleaned["use_accuracy"]]
        acc = paced.groupby(ID_COLUMNS + ["block", "ioi_ms"], observed=True, sort=True)["correct"].mean()
        acc = acc.rename("accuracy").reset_index()
        out["phase_tempo"], out["phase_tempo_reached"] = ph.tempo_steps(acc, TEMPO_CRITERION, by=tuple(ID_COLUMNS))
    return out


def phase_summary(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Summary lines of the phase tables (group means)."""
    lines = []
    gains = tables.get("phase_offline_gains")
    if gains is not None and not gains.empty:
        for (a, b), sub in gains.groupby(["session_from", "session_to"], sort=False):
            lines.append(
                f"offline gain session {a} -> {b}: {sub['offline_gain'].mean():.1f} "
                f"({sub['offline_gain_pct'].mean():.1f} %, n = {len(sub)})"
            )
    retention = tables.get("phase_retention")
    if retention is not None and not retention.empty:
        for b, sub in retention.groupby("session_to", sort=False):
            text = f"retention at session {b}: general skill {sub['general_retained'].median():.2f} of session 1's gain"
            if "specific_retained" in sub:
                text += f", sequence-specific effect {sub['specific_retained'].median():.2f} (medians)"
            lines.append(text)
    micro = tables.get("phase_micro_gains")
    if micro is not None and not micro.empty:
        lines.append(
            f"micro-online gain {micro['micro_online'].mean():.1f} ms, "
            f"micro-offline {micro['micro_offline'].mean():.1f} ms (sum over a session, mean of participant-sessions)"
        )
    timing = tables.get("timing_summary")
    if timing is not None and not timing.empty:
        lines.append(
            f"tapping: mean asynchrony {timing['mean_asynchrony_ms'].mean():.1f} ms, continuation ITI "
            f"{timing['mean_iti_ms'].mean():.0f} ms, CV {100 * timing['cv_iti'].mean():.1f} %, clock/motor variance "
            f"{timing['clock_var_ms2'].mean():.0f}/{timing['motor_var_ms2'].mean():.0f} ms² (n = {len(timing)})"
        )
    groups = tables.get("phase_savings_groups")
    if groups is not None:
        for r in groups.itertuples():
            lines.append(
                f"relearning (session {r.session_to}): savings {r.savings_same:.2f} same sequence, "
                f"{r.savings_new:.2f} new sequence; ratio T_new/T_same {r.savings_ratio:.2f}"
            )
    return lines
