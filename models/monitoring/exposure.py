"""Spend-aware expectations of the volume KPIs: the leads and customers a channel's spend buys.

A channel's weekly leads and new customers follow its spend: bursts, dark weeks, quarterly
budget moves, a planned ramp. Forecast from their own history, every planned change of spend
looks like a drift. Here each week's *exposure* is the response model's prediction
(:mod:`models.response.model`: adstock, Hill saturation, shared seasonal demand) from the
spend up to that week. The model is fitted on the weeks that end ``guard_weeks`` before a
block of ``refit_weeks`` weeks and predicts that block, so no week is forecast from itself.
The bands then scale the exposure by the channel's observed-to-exposure ratio over the same
reference window as every other series (:func:`conditioned`), so a fitted curve that is a
little off in level does not raise an alert; only a change of that ratio does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features.channels import build_channel_panel
from models.monitoring.bands import BandConfig, Override, trailing_mean, trailing_windows
from models.response.model import FitOptions, Panel, build_panel, fit_joint, predict_panel

if TYPE_CHECKING:
    from features.contract import Dataset

EXPOSED_KPIS = ("leads", "new_customers")
EXPOSURE_COLUMNS = ("week", "kpi", "segment_type", "segment", "exposure")


@dataclass(frozen=True)
class ExposureConfig:
    """How the spend-aware exposure is fitted; see ``docs/monitoring.md``.

    Attributes
    ----------
    enabled : bool
        Condition channel leads, new customers and CAC on spend (else: own history only).
    min_weeks : int
        Fewest weeks of history before the first fit.
    refit_weeks : int
        Weeks predicted by each fit before the model is refitted.
    guard_weeks : int
        Weeks between the end of a fit's data and the first week it predicts.
    fourier_order : int
        Seasonal terms of the shared demand.
    """

    enabled: bool = True
    min_weeks: int = 52
    refit_weeks: int = 13
    guard_weeks: int = 8
    fourier_order: int = 2


def _empty() -> pd.DataFrame:
    text = pd.Series([], dtype="str")
    return pd.DataFrame({"week": pd.DatetimeIndex([]).as_unit("ns"), "kpi": text,
                         "segment_type": text, "segment": text,
                         "exposure": np.array([], dtype=np.float64)})


def blocked_forecast(panel: Panel, config: ExposureConfig) -> np.ndarray:
    """Each week's predicted response from a fit on weeks ending ``guard_weeks`` earlier.

    Returns a (weeks, channels) array, NaN before the first block. Each fit starts from
    the previous one's parameters (one L-BFGS start), so refits are quick and deterministic.
    """
    n_weeks = len(panel.weeks)
    out = np.full(panel.response.shape, np.nan)
    start: np.ndarray | None = None
    for block in range(config.min_weeks + config.guard_weeks, n_weeks, config.refit_weeks):
        end = block - config.guard_weeks
        train = dataclasses.replace(panel, weeks=panel.weeks[:end], spend=panel.spend[:end],
                                    response=panel.response[:end])
        start, _ = fit_joint(train, FitOptions(fourier_order=config.fourier_order, n_starts=1,
                                               start=start))
        stop = min(block + config.refit_weeks, n_weeks)
        ahead = dataclasses.replace(panel, weeks=panel.weeks[:stop], spend=panel.spend[:stop],
                                    response=panel.response[:stop])
        out[block:stop] = predict_panel(start, ahead, config.fourier_order, train.weeks)[block:]
    return out


def spend_exposure(view: Dataset, weeks: pd.DatetimeIndex,
                   config: ExposureConfig) -> pd.DataFrame:
    """Exposure of each channel's leads and new customers in each monitored week.

    Parameters
    ----------
    view : Dataset
        Tables already cut at the monitor's as-of (:func:`features.kpi_series.as_of_view`).
    weeks : pd.DatetimeIndex
        The monitored weeks (Mondays); the panel is cut after the last.
    config : ExposureConfig
        Fitting choices.

    Returns
    -------
    pd.DataFrame
        :data:`EXPOSURE_COLUMNS`, one row per channel, KPI and week with an exposure; empty
        when disabled, without spend or without enough weeks.
    """
    if not config.enabled or view.spend.empty or len(weeks) == 0:
        return _empty()
    cutoff = pd.Timestamp(weeks[-1]) + pd.Timedelta(days=7)
    frame = build_channel_panel(view.spend, view.customers, view.leads, cutoff)
    kpis = EXPOSED_KPIS if view.leads is not None else ("new_customers",)
    parts = []
    for kpi in kpis:
        panel = build_panel(frame, kpi)
        predicted = blocked_forecast(panel, config)
        wide = pd.DataFrame(predicted, index=panel.weeks.as_unit("ns"), columns=panel.channels)
        wide = wide.reindex(pd.DatetimeIndex(weeks).as_unit("ns"))
        index = pd.MultiIndex.from_product([wide.index, wide.columns], names=["week", "segment"])
        long = pd.Series(wide.to_numpy().ravel(), index=index, name="exposure")
        parts.append(long.reset_index().assign(kpi=kpi, segment_type="channel"))
    out = pd.concat(parts, ignore_index=True) if parts else _empty()
    out = out.loc[np.isfinite(out["exposure"])]
    return out.astype({"kpi": "str", "segment_type": "str", "segment": "str"})[
        list(EXPOSURE_COLUMNS)].reset_index(drop=True)


def scaled_exposure(values: np.ndarray, exposure: np.ndarray, config: BandConfig) -> np.ndarray:
    """``exposure`` times the observed-to-exposure ratio of the bands' reference window.

    The window is the ``level_weeks`` weeks ending ``guard_weeks`` before each week, as for
    the own-history level; NaN where the window has too few weeks with both numbers.
    """
    both = ~np.isnan(values) & ~np.isnan(exposure)
    args = (config.level_weeks, config.guard_weeks, (config.level_weeks + 1) // 2)
    observed = trailing_mean(np.where(both, values, np.nan), *args)
    exposed = trailing_mean(np.where(both, exposure, np.nan), *args)
    ratio = np.divide(observed, exposed, out=np.full(values.shape, np.nan), where=exposed > 0)
    return exposure * ratio


def _row(keys: pd.DataFrame, kpi: str, segment_type: str, segment: str) -> int | None:
    hit = np.flatnonzero((keys["kpi"] == kpi).to_numpy()
                         & (keys["segment_type"] == segment_type).to_numpy()
                         & (keys["segment"] == segment).to_numpy())
    return int(hit[0]) if hit.size else None


def exposure_override(exposure: pd.DataFrame, config: BandConfig, cac_weeks: int) -> Override:
    """Return the bands' override (see :func:`models.monitoring.bands.build_bands`).

    - a channel's leads and new customers: :func:`scaled_exposure`;
    - the total's: the sum of its channels' (every channel must have one that week);
    - CAC of the total and of each channel: the ``cac_weeks`` spend over the new customers
      expected in those weeks, i.e. ``cac x observed / expected`` new customers.
    """

    def override(keys: pd.DataFrame, weeks: pd.DatetimeIndex, values: np.ndarray,
                 n: np.ndarray) -> np.ndarray:
        out = np.full(values.shape, np.nan)
        if exposure.empty:
            return out
        wide = exposure.pivot_table(index=["kpi", "segment_type", "segment"], columns="week",
                                    values="exposure", aggfunc="sum")
        wide = wide.reindex(columns=pd.DatetimeIndex(weeks).as_unit("ns"))
        for kpi in EXPOSED_KPIS:
            channels = np.flatnonzero((keys["kpi"] == kpi).to_numpy()
                                      & (keys["segment_type"] == "channel").to_numpy())
            for row in channels:
                key = (kpi, "channel", str(keys["segment"].iloc[row]))
                if key in wide.index:
                    out[row] = scaled_exposure(values[row][None, :],
                                               wide.loc[[key]].to_numpy(), config)[0]
            total = _row(keys, kpi, "total", "total")
            if total is not None and channels.size:
                out[total] = out[channels].sum(axis=0)
        for row in np.flatnonzero((keys["kpi"] == "cac").to_numpy()):
            counts = _row(keys, "new_customers", str(keys["segment_type"].iloc[row]),
                          str(keys["segment"].iloc[row]))
            if counts is None or np.isnan(out[counts]).all():
                continue
            expected = trailing_windows(out[counts][None, :], cac_weeks, -1).sum(axis=2)[0]
            out[row] = np.divide(values[row] * n[row], expected,
                                 out=np.full(len(weeks), np.nan), where=expected > 0)
        return out

    return override
