"""Fitting the cell calibrator on held-out generated reports (disjoint from training)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nianbao.extraction.pipeline import extract_text
from nianbao.extraction.text.locator import ModelLocator
from nianbao.models.calibrator import CellCalibrator, cell_features
from nianbao.training.generator.generate import generate

CALIBRATION_SEED_OFFSET = 100_003  # never a training seed


def calibration_data(
    model_dir: Path, n: int, seed: int, styles: tuple[str, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Features and correctness of every cell of ``n`` held-out reports (of ``styles``), extracted by the model."""
    locator = ModelLocator(model_dir)
    locator.calibrator = None  # features must not depend on a previous calibrator
    rows, labels = [], []
    for sample in generate(n, seed=seed + CALIBRATION_SEED_OFFSET, **({"styles": styles} if styles else {})):
        cells: list = []
        extract_text(sample["text"], locator=locator, collect=cells)
        gold = {(c["table"], c["row"], c["col"]): c["value"] for c in sample["cells"]}
        for cell in cells:
            if cell.key not in gold:
                continue
            rows.append(cell_features(cell.state, cell.evidence))  # as extraction scores it
            labels.append(int(cell.value == gold[cell.key]))
    return np.asarray(rows, dtype=float), np.asarray(labels, dtype=int)


def fit_calibrator(
    model_dir: Path, n: int = 60, seed: int = 0, styles: tuple[str, ...] | None = None
) -> CellCalibrator:
    """Fit and save ``calibrator.json`` next to the model (on reports of ``styles``, default all); return it."""
    X, y = calibration_data(model_dir, n, seed, styles)
    calibrator = CellCalibrator().fit(X, y)
    calibrator.save(model_dir / "calibrator.json")
    return calibrator
