"""Parameters: overrides, lesions, individual draws, validation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from motorseq.models import ModelError, ModelNotImplementedError, ModelParameters, simulate_participant
from motorseq.protocols import generate_trials, load_protocol


def test_defaults_are_complete_and_serialisable():
    p = ModelParameters()
    p.check_complete()
    d = p.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["weights"]["sma->m1"] == p.weights["sma->m1"]


def test_overrides_and_dict_entries():
    p = ModelParameters().with_overrides({"eta_striatum": "0.0005", "weights.sma->m1": 7, "bias_mv.gpi": 30})
    assert p.eta_striatum == 0.0005 and p.weights["sma->m1"] == 7.0 and p.bias_mv["gpi"] == 30.0
    assert ModelParameters().weights["sma->m1"] != 7.0  # the original is unchanged (frozen)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nope": 1}, "nope: unknown parameter"),
        ({"weights.x->y": 1}, "weights has no entry"),
        ({"eta_striatum": "fast"}, "eta_striatum"),
    ],
)
def test_bad_overrides_are_one_line_errors(overrides, message):
    with pytest.raises(ModelError, match=message) as exc:
        ModelParameters().with_overrides(overrides)
    assert "\n" not in str(exc.value)


def test_lesions():
    p = ModelParameters().with_lesion("dopamine", 0.2)
    assert p.lesion_dopamine == 0.2 and p.lesion_cerebellum == 1.0
    with pytest.raises(ModelError, match="unknown lesion"):
        ModelParameters().with_lesion("liver", 0.5)
    with pytest.raises(ModelError, match="between 0 and 1"):
        ModelParameters().with_lesion("cortex", 1.5)


def test_individual_draws_are_seeded_and_spread():
    base = ModelParameters()
    from motorseq.models import VARIABLE_PARAMETERS

    draws = [base.draw_individual(np.random.default_rng(s)) for s in range(400)]
    again = [base.draw_individual(np.random.default_rng(s)) for s in range(400)]
    assert draws == again
    for name, (cv_target, _) in VARIABLE_PARAMETERS.items():
        values = np.array([getattr(p, name) for p in draws])
        cv = np.std(values) / np.mean(values)
        assert cv == pytest.approx(cv_target, rel=0.25), name  # log-normal with the listed CV
        assert np.median(values) == pytest.approx(getattr(base, name), rel=0.15), name  # median 1


def test_every_bundled_protocol_is_performed_and_other_paradigms_are_refused():
    from motorseq.models import SUPPORTED_PARADIGMS
    from motorseq.protocols import list_protocols

    # every bundled protocol, the timing task (sct, issue 17) included
    assert {load_protocol(name).paradigm for name in list_protocols()} <= set(SUPPORTED_PARADIGMS)
    protocol = load_protocol("dsp")
    trials = generate_trials(protocol, "01", seed=1)
    other = protocol.model_copy(update={"paradigm": "typing"})
    with pytest.raises(ModelNotImplementedError, match="paradigm"):
        simulate_participant(other, trials, ModelParameters(), seed=1)


def test_bad_trial_list_is_refused():
    protocol = load_protocol("srt-classic")
    trials = generate_trials(protocol, "01", seed=1).iloc[:5].copy()
    trials["target"] = "9"
    with pytest.raises(ModelError, match="target: 9 is not a position"):
        simulate_participant(protocol, trials, ModelParameters(), seed=1)
