"""Typed params of stage ``train_cltv``, validated once at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.cltv.channel import ChannelSettings
from models.cltv.model import CLTVConfig, Objective
from pipelines.params import choice, integer, interval, known_keys, number

SECTION = "train_cltv"
_INTEGERS = {  # key: (lowest, highest)
    "horizon_days": (7, 3650),
    "step_days": (1, 3650),
    "max_cutoffs": (1, 100),
    "min_history_days": (0, 3650),
    "min_window_days": (1, 3650),
    "n_estimators": (1, 10_000),
    "num_leaves": (2, 4096),
    "min_child_samples": (1, 1_000_000),
    "max_train_rows": (1_000, 1_000_000_000),
    "recent_days": (1, 3650),
    "cac_weeks": (1, 520),
    "n_jobs": (1, 256),
}
_FLOATS = {"learning_rate": (1e-4, 1.0), "tweedie_variance_power": (1.0, 1.99)}
_OTHER = {"objective", "quantiles"}


@dataclass(frozen=True)
class TrainCLTVParams:
    """Params of stage ``train_cltv``: the model config, channel settings and CAC window."""

    model: CLTVConfig
    channel: ChannelSettings
    cac_weeks: int


def parse_train_cltv(section: dict[str, Any], seed: int) -> TrainCLTVParams:
    """Validate the ``train_cltv`` section of params.yaml.

    Parameters
    ----------
    section : dict
        The raw mapping; every key in this module's tables is required, no other is allowed.
    seed : int
        The project seed, passed to every random choice.

    Returns
    -------
    TrainCLTVParams
        Typed, range-checked params.

    Raises
    ------
    ParamsError
        Naming the key that is missing, unknown or out of range.
    """
    known_keys(section, SECTION, set(_INTEGERS) | set(_FLOATS) | _OTHER)
    ints: dict[str, Any] = {key: integer(section, key, SECTION, *bounds)
                           for key, bounds in _INTEGERS.items()}
    floats: dict[str, Any] = {key: number(section, key, SECTION, *bounds)
                             for key, bounds in _FLOATS.items()}
    objective = choice(section, "objective", SECTION, Objective)
    quantiles = interval(section, "quantiles", SECTION)
    recent_days, cac_weeks = ints.pop("recent_days"), ints.pop("cac_weeks")
    model = CLTVConfig(objective=objective, quantiles=quantiles, random_state=seed,
                       **ints, **floats)
    channel = ChannelSettings(min_window_days=model.min_window_days, recent_days=recent_days,
                              interval=quantiles)
    return TrainCLTVParams(model=model, channel=channel, cac_weeks=cac_weeks)
