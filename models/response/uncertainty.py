"""Uncertainty and diagnostics for response curves: block bootstrap, hold-out MAPE, R², JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from models.response.model import (
    ChannelCurve,
    FitOptions,
    FloatArray,
    Panel,
    curves_from_vector,
    fit_joint,
    predict_panel,
)

CURVES_SCHEMA_VERSION = 1
PARAMETERS = ("base", "max_response", "half_saturation", "shape", "theta")


@dataclass(frozen=True)
class CurveSet:
    """Point-estimate curves plus bootstrap draws of the same channels."""

    response_unit: str
    curves: list[ChannelCurve]
    bootstrap: list[list[ChannelCurve]]

    def channel(self, name: str) -> ChannelCurve:
        """Return the point-estimate curve of ``name``."""
        return next(c for c in self.curves if c.channel == name)

    def draws(self, name: str) -> list[ChannelCurve]:
        """Return the bootstrap curves of ``name``."""
        return [next(c for c in draw if c.channel == name) for draw in self.bootstrap]


def block_resample(
    residual_ratio: FloatArray, block_weeks: int, rng: np.random.Generator
) -> FloatArray:
    """Moving-block resample of weekly rows (all channels together, preserving co-movement)."""
    n = residual_ratio.shape[0]
    starts = rng.integers(0, max(n - block_weeks, 0) + 1, size=n // block_weeks + 1)
    rows = np.concatenate([np.arange(s, s + block_weeks) for s in starts])[:n]
    return residual_ratio[np.minimum(rows, n - 1)]


def bootstrap_curves(
    panel: Panel,
    x: FloatArray,
    options: FitOptions,
    n_boot: int,
    block_weeks: int = 8,
    progress: Callable[[int], None] | None = None,
) -> list[list[ChannelCurve]]:
    """Refit on block-bootstrapped multiplicative residuals, warm-started at ``x``."""
    fitted = np.maximum(predict_panel(x, panel, options.fourier_order), 1e-9)
    ratio = panel.response / fitted
    rng = np.random.default_rng(options.random_state + 1)
    draws = []
    for i in range(n_boot):
        resampled = replace(panel, response=fitted * block_resample(ratio, block_weeks, rng))
        xb, _ = fit_joint(resampled, replace(options, start=x, n_starts=1))
        draws.append(curves_from_vector(xb, panel, options.fourier_order))
        if progress is not None:
            progress(i + 1)
    return draws


def holdout_mape(panel: Panel, options: FitOptions, holdout_weeks: int) -> FloatArray:
    """Per-channel MAPE on the last ``holdout_weeks`` weeks of a fit that never saw them."""
    cut = panel.spend.shape[0] - holdout_weeks
    train = replace(
        panel, weeks=panel.weeks[:cut], spend=panel.spend[:cut], response=panel.response[:cut]
    )
    x, _ = fit_joint(train, options)
    fitted = predict_panel(x, panel, options.fourier_order, train.weeks)[cut:]
    actual = panel.response[cut:]
    return np.asarray(np.abs(fitted - actual).sum(axis=0) / np.maximum(actual.sum(axis=0), 1e-9))


def parameter_intervals(curves: CurveSet, level: float = 0.9) -> dict[str, dict[str, list[float]]]:
    """Bootstrap percentile interval of each parameter of each paid channel."""
    tail = (1 - level) / 2 * 100
    out: dict[str, dict[str, list[float]]] = {}
    for curve in curves.curves:
        if not curve.paid or not curves.bootstrap:
            continue
        draws = curves.draws(curve.channel)
        out[curve.channel] = {
            p: [float(v) for v in np.percentile([getattr(d, p) for d in draws], [tail, 100 - tail])]
            for p in PARAMETERS
        }
    return out


def curves_to_dict(curves: CurveSet, extra: dict[str, Any]) -> dict[str, Any]:
    """Serialise to the plain, versioned JSON schema of ``curves.json``."""
    return {
        "schema_version": CURVES_SCHEMA_VERSION,
        "response_unit": curves.response_unit,
        "curve": "response(s) = base + max_response * s^shape / (s^shape + half_saturation^shape)",
        "channels": [asdict(c) for c in curves.curves],
        "bootstrap": [[asdict(c) for c in draw] for draw in curves.bootstrap],
        **extra,
    }


def curves_from_dict(payload: dict[str, Any]) -> CurveSet:
    """Read the ``curves.json`` schema back; reject an unknown schema version."""
    version = payload.get("schema_version")
    if version != CURVES_SCHEMA_VERSION:
        raise ValueError(
            f"curves.json schema_version {version!r}; expected {CURVES_SCHEMA_VERSION}"
        )
    return CurveSet(
        response_unit=str(payload["response_unit"]),
        curves=[ChannelCurve(**c) for c in payload["channels"]],
        bootstrap=[[ChannelCurve(**c) for c in draw] for draw in payload["bootstrap"]],
    )
