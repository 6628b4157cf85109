"""Everything that learns follows one contract, and the trained pieces round-trip offline."""

from __future__ import annotations

import inspect
import random

import numpy as np
import pytest

from nianbao.models.calibrator import FEATURES, CellCalibrator
from nianbao.models.tagger import TaggerConfig
from nianbao.training.generator.generate import GenConfig, generate_report
from nianbao.training.train import TaggerTrainer, TrainConfig

TINY = TrainConfig(
    n_generated=3,
    epochs=1,
    batch_size=8,
    styles=("tab",),
    tagger=TaggerConfig(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, window=62, stride=48
    ),
)


def _calibration_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((200, len(FEATURES)))
    y = (X[:, 0] + 0.3 * rng.standard_normal(200) > 0.5).astype(int)
    return X, y


LEARNERS = [
    (CellCalibrator(C=0.5), _calibration_data),
    (TaggerTrainer(TINY), lambda: ([generate_report(random.Random(1), GenConfig("pdf", "2021"))], None)),
]


@pytest.mark.parametrize(("learner", "data"), LEARNERS, ids=lambda x: type(x).__name__)
def test_estimator_contract(learner, data) -> None:
    params = inspect.signature(type(learner).__init__).parameters
    before = dict(vars(learner))
    assert set(before) <= set(params), "__init__ only stores its config"
    assert not [k for k in before if k.endswith("_")], "no learned state before fit"
    assert learner.fit(*data()) is learner
    learned = [k for k in vars(learner) if k not in before]
    assert learned and all(k.endswith("_") for k in learned), learned


def test_calibrator_saves_as_json_and_predicts_the_same(tmp_path) -> None:
    X, y = _calibration_data()
    calibrator = CellCalibrator().fit(X, y)
    calibrator.save(tmp_path / "calibrator.json")
    loaded = CellCalibrator.load(tmp_path / "calibrator.json")
    assert np.allclose(loaded.predict_proba(X), calibrator.predict_proba(X))
    assert 0.0 <= loaded.threshold_ <= 1.0


def _five_percent_wrong(separable: bool) -> tuple[np.ndarray, np.ndarray]:
    """2,000 cells, 5% wrong: told apart by the tagger's value probability (``separable``) or
    spread evenly over it (a model that is sure of its mistakes)."""
    rng = np.random.default_rng(3)
    X = np.zeros((2000, len(FEATURES)))
    X[:, FEATURES.index("value_prob")] = rng.random(2000)
    y = np.ones(2000, dtype=int)
    wrong = np.argsort(X[:, FEATURES.index("value_prob")])[:100] if separable else rng.choice(2000, 100, replace=False)
    y[wrong] = 0
    return X, y


def test_fitted_threshold_never_sends_more_than_its_budget_to_review() -> None:
    X, y = _five_percent_wrong(separable=False)
    uncapped = CellCalibrator(max_reviewed=1.0).fit(X, y)
    capped = CellCalibrator().fit(X, y)
    share = lambda model: float((model.predict_proba(X) < model.threshold_).mean())  # noqa: E731
    assert share(uncapped) > 0.5  # catching 90% of these wrong cells means reviewing most cells
    assert 0.0 < share(capped) <= capped.max_reviewed == 0.2
    wrong = y == 0
    caught = float((capped.predict_proba(X)[wrong] < capped.threshold_).mean())
    assert caught > 0.0  # the budget still goes to the least sure cells


def test_fitted_threshold_within_budget_is_the_smallest_meeting_the_target() -> None:
    X, y = _five_percent_wrong(separable=True)  # the target is met well inside the budget
    capped, uncapped = CellCalibrator().fit(X, y), CellCalibrator(max_reviewed=1.0).fit(X, y)
    assert capped.threshold_ == uncapped.threshold_
    assert float((capped.predict_proba(X)[y == 0] < capped.threshold_).mean()) >= 0.9
