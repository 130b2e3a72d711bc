"""Fitting the spiking model to each person: simulation bank, summary statistics, NPE, checks.

``motorseq bank`` (:func:`~motorseq.models.fit.bank.run_bank`) simulates parameters drawn from
the priors (:mod:`~motorseq.models.fit.priors`) and stores them with their summary statistics
(:mod:`~motorseq.models.fit.summaries`, the analysis pipeline's measures); ``motorseq fit``
trains a neural posterior estimator on the bank (:mod:`~motorseq.models.fit.inference`) and
gives every participant a posterior; ``motorseq fit --check`` measures parameter recovery
(:mod:`~motorseq.models.fit.check`). ``sbi`` and ``torch`` (the ``[fit]`` extra) are imported
only by the inference functions.
"""

from .bank import (
    BankRun,
    ModelSimulator,
    bank_priors,
    bank_simulator,
    draw,
    model_description,
    read_bank,
    read_manifest,
    run_bank,
)
from .check import RecoveryCheck, recovery_check, statistic_information
from .group import group_posteriors, group_recovery, group_recovery_summary, shared_posterior
from .inference import (
    Estimator,
    fit_people,
    predictive_bands,
    predictive_verdicts,
    simulate_predictive,
    simulated_bands,
    train_estimator,
    verdict_summary,
)
from .priors import FitError, Priors, load_priors
from .summaries import feature_columns, restrict, summary_statistics

__all__ = [
    "BankRun",
    "Estimator",
    "FitError",
    "ModelSimulator",
    "Priors",
    "RecoveryCheck",
    "bank_priors",
    "bank_simulator",
    "draw",
    "feature_columns",
    "fit_people",
    "group_posteriors",
    "group_recovery",
    "group_recovery_summary",
    "load_priors",
    "model_description",
    "predictive_bands",
    "predictive_verdicts",
    "verdict_summary",
    "read_bank",
    "read_manifest",
    "recovery_check",
    "restrict",
    "run_bank",
    "shared_posterior",
    "simulate_predictive",
    "simulated_bands",
    "statistic_information",
    "summary_statistics",
    "train_estimator",
]
