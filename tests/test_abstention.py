import numpy as np
import pytest

from migrant_desk.abstention import Calibration, decide, feature_vector, probability_right
from migrant_desk.calibrate import _cross_validated, fit_logistic
from migrant_desk.index import EntryHit


def hits(*scores, best_cosine=0.9):
    return [EntryHit(f"e{i}", s, best_cosine, "ko") for i, s in enumerate(scores)]


def test_features():
    h = hits(0.3, 0.1, 0.0, -0.1)
    z, top, margin, cos = feature_vector(h, ["zscore", "top_score", "margin", "best_cosine"])
    assert top == 0.3 and margin == pytest.approx(0.2) and cos == 0.9
    assert z == pytest.approx((0.3 - 0.075) / np.std([0.3, 0.1, 0.0, -0.1]), rel=1e-4)


def test_probability_and_bands():
    cal = Calibration(features=["top_score"], mean=[0.0], scale=[0.1], weights=[2.0], bias=0.0,
                      threshold=0.5, high_from=0.75)
    assert probability_right(hits(0.0, -1), cal) == pytest.approx(0.5)
    assert decide(hits(-0.05, -1), cal).answered is False
    assert decide(hits(0.02, -1), cal).band == "medium"
    assert decide(hits(0.2, -1), cal).band == "high"
    assert decide([], cal).answered is False


def test_calibration_rejects_unknown_feature():
    with pytest.raises(ValueError, match="unknown calibration feature"):
        Calibration(features=["vibes"], mean=[0], scale=[1], weights=[1])


def test_logistic_fit_separates_a_learnable_signal():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.1 * rng.normal(size=400) > 0).astype(float)
    w, b = fit_logistic(x, y)
    assert w[0] > 1.0 and abs(w[1]) < 0.5 * w[0]
    assert _cross_validated(x, y) > 0.9
    assert _cross_validated(x[:, 1:], y) < 0.7  # the noise feature alone predicts nothing
