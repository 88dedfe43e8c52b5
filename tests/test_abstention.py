import numpy as np
import pytest

from migrant_desk.abstention import FEATURES, Calibration, band_of, decide, probability_right
from migrant_desk.calibrate import _cross_validated, _high_from, fit_logistic
from migrant_desk.retrieval import Candidate, Retrieved


def retrieved(top_z: float) -> Retrieved:
    candidates = [Candidate("e0", 1.0, 1.0, 0.0, 0.9, "ko"), Candidate("e1", 0.0, 0.0, 0.0, 0.8, "ko")]
    return Retrieved("ko", candidates, {name: 0.0 for name in FEATURES} | {"top_z": top_z})


def test_probability_and_three_bands():
    cal = Calibration(features=["top_z"], mean=[0.0], scale=[0.1], weights=[2.0], bias=0.0,
                      threshold=0.5, high_from=0.75)
    assert probability_right(retrieved(0.0), cal) == pytest.approx(0.5)
    assert decide(retrieved(-0.05), cal).band == "low" and decide(retrieved(-0.05), cal).answered is False
    assert decide(retrieved(0.02), cal).band == "medium" and decide(retrieved(0.02), cal).answered is True
    assert decide(retrieved(0.2), cal).band == "high"
    assert decide(Retrieved("ko", []), cal).answered is False
    assert [band_of(p, cal) for p in (0.49, 0.5, 0.74, 0.75)] == ["low", "medium", "medium", "high"]


def test_calibration_rejects_unknown_feature_and_bad_bands():
    with pytest.raises(ValueError, match="unknown calibration feature"):
        Calibration(features=["vibes"], mean=[0], scale=[1], weights=[1])
    with pytest.raises(ValueError, match="threshold <= high_from"):
        Calibration(threshold=0.8, high_from=0.6)


def test_logistic_fit_separates_a_learnable_signal():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.1 * rng.normal(size=400) > 0).astype(float)
    w, b = fit_logistic(x, y)
    assert w[0] > 1.0 and abs(w[1]) < 0.5 * w[0]
    assert _cross_validated(x, y) > 0.9
    assert _cross_validated(x[:, 1:], y) < 0.7  # the noise feature alone predicts nothing


def test_high_band_starts_where_precision_reaches_the_target():
    p = np.linspace(0.5, 1.0, 101)
    y = (p >= 0.8).astype(float)  # right exactly from 0.8 on
    cut = _high_from(p, y)
    assert 0.7 <= cut <= 0.8 and y[p >= cut].mean() >= 0.9


def test_bundled_calibration_is_fitted_for_the_bundled_model():
    from migrant_desk.abstention import load_calibration
    from migrant_desk.config import DEFAULT_MODEL

    cal = load_calibration()
    assert cal.model_id == DEFAULT_MODEL and cal.features == list(FEATURES)
    assert 0.5 <= cal.threshold < cal.high_from < 1
    assert cal.lexical_weights["vi"] > 0  # folded Vietnamese is the lexical channel's clearest win
