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
