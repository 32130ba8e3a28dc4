"""The small, regularised LightGBM regressor behind the KPI weights."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from models.boosting import lightgbm_params


@dataclass(frozen=True)
class BoosterSettings:
    """A small, regularised LightGBM regressor: shallow trees, shrinkage, L2 and bagging."""

    n_estimators: int = 150
    learning_rate: float = 0.05
    num_leaves: int = 4
    max_depth: int = 2
    min_child_samples: int = 15
    reg_lambda: float = 5.0
    subsample: float = 0.8
    colsample_bytree: float = 0.3
    n_jobs: int = 1

    def lightgbm_params(self, random_state: int) -> dict[str, Any]:
        """Return the ``lightgbm.train`` parameters, deterministic for ``random_state``."""
        return lightgbm_params(
            "regression", learning_rate=self.learning_rate, num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples, seed=random_state, n_jobs=self.n_jobs,
            max_depth=self.max_depth, lambda_l2=self.reg_lambda,
            bagging_fraction=self.subsample, bagging_freq=1,
            feature_fraction=self.colsample_bytree)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a plain mapping (for MLflow and metrics)."""
        return asdict(self)
