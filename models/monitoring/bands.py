"""Expected bands: each week's forecast of a KPI series from its own history before it.

The forecast is the series' mean over a trailing window that ends ``guard_weeks`` before the
week, plus last years' seasonal deviation once two years exist (kept only when it lowered
the past error). The band's half-width is ``z`` robust standard deviations of the
forecaster's own past errors, with ``z`` Bonferroni-adjusted over the series of a family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.stats import norm

SERIES_KEYS = ("kpi", "segment_type", "segment")
BAND_COLUMNS = ("week", *SERIES_KEYS, "value", "n", "expected", "lower", "upper", "scale",
                "inflation", "events", "expected_events", "error", "unit")
COUNT_KPIS = ("leads", "new_customers")
# Tested on the new customers behind them: spend over customers, with the spend known exactly.
COST_KPIS = ("cac",)
CYCLE_KPIS = ("conversion_cycle_days", "mql_to_sql_cycle_days")
MAX_AUTOCORRELATION = 0.95
# keys, weeks, values and rows of every series -> expectations replacing the forecast (NaN: keep)
Override = Callable[[pd.DataFrame, pd.DatetimeIndex, np.ndarray, np.ndarray], np.ndarray]
MAD_TO_SD = 1.4826
SEASON_WEEKS = 52


@dataclass(frozen=True)
class BandConfig:
    """How bands are built; see ``docs/monitoring.md``.

    Attributes
    ----------
    interval_level : float
        Family-wise coverage of one week's bands over all series of a segment type.
    level_weeks : int
        Weeks averaged into the level.
    guard_weeks : int
        Weeks between the level's window (and the error window) and the forecast week.
    calibration_weeks : int
        Past errors that set the band's width.
    min_errors : int
        Fewest past errors for a band; earlier weeks have none.
    horizon_weeks : int
        Span over which sums of errors are calibrated for autocorrelation (the detection
        delay that matters).
    pool_dispersion : bool
        Pool each tested series' error divisor with those of its KPI and segment type
        (:func:`pooled_divisors`), except churn's (:data:`UNPOOLED_KPIS`).
    """

    interval_level: float = 0.95
    level_weeks: int = 26
    guard_weeks: int = 8
    calibration_weeks: int = 52
    min_errors: int = 20
    horizon_weeks: int = 8
    pool_dispersion: bool = True


def trailing_windows(values: np.ndarray, width: int, gap: int) -> np.ndarray:
    """``(rows, cols, width)`` windows: column ``t`` sees columns ``t-gap-width .. t-gap-1``.

    ``gap`` = 0 is the ``width`` columns just before ``t``; a negative gap reaches past ``t``
    (a centred smoother); columns outside the matrix are NaN.
    """
    n_rows, n_cols = values.shape
    left = max(width + gap, 0)
    right = max(-gap, 0)
    padded = np.concatenate([np.full((n_rows, left), np.nan), values,
                             np.full((n_rows, right), np.nan)], axis=1)
    start = left - width - gap
    return sliding_window_view(padded, width, axis=1)[:, start : start + n_cols]


def trailing_mean(values: np.ndarray, width: int, gap: int, min_count: int) -> np.ndarray:
    """Mean over :func:`trailing_windows` ignoring NaN (NaN with fewer than ``min_count``)."""
    windows = trailing_windows(values, width, gap)
    counts = np.sum(~np.isnan(windows), axis=2)
    sums = np.nansum(windows, axis=2)
    return np.where(counts >= min_count, sums / np.maximum(counts, 1), np.nan)


def trailing_abs_median(errors: np.ndarray, width: int, gap: int, min_count: int) -> np.ndarray:
    """Median of ``|errors|`` over :func:`trailing_windows` (NaN with too few errors)."""
    windows = np.abs(trailing_windows(errors, width, gap))
    counts = np.sum(~np.isnan(windows), axis=2)
    filled = np.where(np.isnan(windows), np.inf, windows)
    ranked = np.sort(filled, axis=2)
    rows, cols = np.indices(counts.shape)
    low = ranked[rows, cols, np.maximum((counts - 1) // 2, 0)]
    high = ranked[rows, cols, np.maximum(counts // 2, 0)]
    return np.where(counts >= max(min_count, 1), (low + high) / 2.0, np.nan)


def seasonal_term(values: np.ndarray) -> np.ndarray:
    """Mean seasonal deviation at the same week one and two years back (NaN before).

    A week's deviation is its centred 5-week mean minus the centred 52-week mean around it
    (classical decomposition), so a trend is not mistaken for a season; both are known
    26 weeks later, long before they are used 52 weeks later.
    """
    smooth = trailing_mean(values, 5, -3, 3)
    annual = trailing_mean(values, SEASON_WEEKS, -SEASON_WEEKS // 2, 40)
    deviation = smooth - annual
    n_cols = values.shape[1]
    parts = []
    for years in (1, 2):
        lag = years * SEASON_WEEKS
        shifted = np.full(values.shape, np.nan)
        if n_cols > lag:
            shifted[:, lag:] = deviation[:, : n_cols - lag]
        parts.append(shifted)
    both = np.stack(parts)
    return np.where(np.isnan(both).any(axis=0), np.nan, both.sum(axis=0) / 2.0)


def autocorrelation_inflation(errors: np.ndarray, width: int, gap: int, min_count: int,
                              horizon: int) -> np.ndarray:
    """Standard-deviation inflation of a ``horizon``-week sum of autocorrelated errors.

    Overlapping windows make a series' errors autocorrelated. With lag-1 autocorrelation
    ``rho`` (AR(1)), a sum of ``H`` errors varies like ``H * (1 + 2 sum_j (1 - j/H) rho^j)``
    independent ones; the CUSUM divides each error by the square root of that factor, so
    sums over about ``horizon`` weeks are calibrated. NaN while too few pairs exist.
    """
    lagged = np.full(errors.shape, np.nan)
    lagged[:, 1:] = errors[:, :-1]
    pairs = trailing_mean(errors * lagged, width, gap, min_count)
    squares = trailing_mean(np.where(np.isnan(lagged), np.nan, errors**2), width, gap, min_count)
    rho = np.clip(np.divide(pairs, squares, out=np.full(errors.shape, np.nan),
                            where=squares > 0), 0.0, MAX_AUTOCORRELATION)
    lags = np.arange(1, horizon)
    factor = 1.0 + 2.0 * np.sum((1.0 - lags / horizon) * rho[..., None] ** lags, axis=-1)
    return np.sqrt(factor)


def forecast(values: np.ndarray, config: BandConfig,
             override: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forecast each column from earlier columns only.

    Returns the expected value, the robust scale of one week's error and the error's
    autocorrelation inflation (see :func:`autocorrelation_inflation`). Where ``override``
    holds a number (an expectation built from earlier columns and other data, e.g. spend),
    it replaces the forecast, and the series' scale comes from its own past errors.
    """
    gap = config.guard_weeks
    level = trailing_mean(values, config.level_weeks, gap, (config.level_weeks + 1) // 2)
    season = seasonal_term(values)
    seasonal = level + season
    width, floor = config.calibration_weeks, config.min_errors
    plain_error = trailing_abs_median(values - level, width, gap, floor)
    season_error = trailing_abs_median(values - seasonal, width, gap, floor)
    use_season = ~np.isnan(season_error) & (season_error < plain_error)
    expected = np.where(use_season, seasonal, level)
    scale = MAD_TO_SD * np.where(use_season, season_error, plain_error)
    if override is not None:
        rows = (~np.isnan(override)).any(axis=1)
        expected[rows] = override[rows]
        scale[rows] = MAD_TO_SD * trailing_abs_median(values[rows] - expected[rows], width,
                                                      gap, floor)
    inflation = autocorrelation_inflation(values - expected, width, gap, floor,
                                          config.horizon_weeks)
    return expected, scale, inflation


def freeman_tukey(events: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Freeman-Tukey residual of Poisson counts: about N(0, 1) down to a handful of events."""
    return np.sqrt(events) + np.sqrt(events + 1.0) - np.sqrt(4.0 * np.maximum(expected, 0.0) + 1.0)


# Sampling variance of the log of a divisor estimated from n past errors: the robust sd's
# (about 1.36 / n; the median absolute deviation is 37% efficient at the normal) plus the
# AR(1) inflation's (about 0.77 / n: log inflation ~ 0.875 rho near rho = 0, var(rho) ~ 1 / n).
DIVISOR_LOG_VARIANCE = 2.13
MIN_POOLED_SERIES = 3
# Churn's weighted silences are not counts of like events: how far they spread around a
# Poisson count depends on each channel's customers (their rhythms and ages), so their
# divisors differ for real between segments and are not pooled (pooling them lost 2 of 20
# display churn changes on the burned held-out worlds; docs/monitoring.md).
UNPOOLED_KPIS = ("churn_rate",)


def pooled_divisors(divisor: np.ndarray, n_errors: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each series' divisor shrunk, in logs, towards its group's median in the same week.

    A divisor estimated from about 52 past errors is itself noisy (a standard deviation of
    about 20% in logs), and that noise costs detection power: an overestimate slows every
    alert of its series, an underestimate raises false alarms. Series of one KPI and segment
    type (the channels' conversion, say) share most of their dispersion, so each divisor is
    pulled towards the group's median by empirical Bayes: the weight kept on its own
    estimate is ``tau^2 / (tau^2 + v)``, with ``v`` its sampling variance
    (:data:`DIVISOR_LOG_VARIANCE` / n) and ``tau^2`` the variance between the group's log
    divisors beyond their sampling variance, averaged over the weeks so far. Where the
    series really differ, ``tau^2`` is large and each keeps its own; groups of fewer than
    :data:`MIN_POOLED_SERIES` series with a divisor in a week keep their own too.
    """
    logs = np.log(np.where(divisor > 0, divisor, np.nan))
    noise = DIVISOR_LOG_VARIANCE / np.maximum(n_errors, 1)
    out = logs.copy()
    for group in np.unique(groups):
        rows = groups == group
        block = logs[rows]
        usable = np.sum(~np.isnan(block), axis=0) >= MIN_POOLED_SERIES
        if not usable.any():
            continue
        own, sampling = block[:, usable], np.where(np.isnan(block[:, usable]), np.nan,
                                                   noise[rows][:, usable])
        centre = np.nanmedian(own, axis=0)
        excess = np.nanvar(own, axis=0, ddof=1) - np.nanmean(sampling, axis=0)
        # averaged over the weeks so far: a handful of series gives a noisy variance
        between = np.maximum(np.cumsum(excess) / np.arange(1, excess.size + 1), 0.0)
        weight = between / (between + sampling)
        shrunk = centre + weight * (own - centre)
        block[:, usable] = np.where(np.isnan(own), np.nan, shrunk)
        out[rows] = block
    return np.exp(out)


def dispersion_groups(keys: pd.DataFrame, config: BandConfig,
                      unpooled: tuple[str, ...] = UNPOOLED_KPIS) -> np.ndarray | None:
    """One group label per series for :func:`pooled_divisors`; None when pooling is off.

    The label is the series' KPI and segment type; the series of ``unpooled`` KPIs (churn's,
    :data:`UNPOOLED_KPIS`) each stand alone.
    """
    if not config.pool_dispersion:
        return None
    alone = keys["kpi"].isin(unpooled)
    labels = (keys["kpi"] + "|" + keys["segment_type"]).where(
        ~alone, "alone|" + keys.index.astype(str))
    return labels.to_numpy()


def count_errors(events: np.ndarray, expected: np.ndarray, config: BandConfig,
                 groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Standardised errors of weekly event counts against their expectation, and their unit.

    The Freeman-Tukey residual is divided by the robust spread of the series' own past
    residuals (``calibration_weeks`` ending ``guard_weeks`` back): over-dispersion beyond
    Poisson, or under it for a conditional count such as the cycle's lateness, is measured,
    not assumed. Then by the autocorrelation inflation, as for the other series. With
    ``groups`` (one label per series, e.g. KPI and segment type), each series' divisor is
    pooled with its group's (:func:`pooled_divisors`). The unit is the standardised size of
    a 100% change of the expectation (the residual of ``(1 + d) E`` is about ``d sqrt(E)``).
    """
    residual = freeman_tukey(events, expected)
    gap, width, floor = config.guard_weeks, config.calibration_weeks, config.min_errors
    spread = MAD_TO_SD * trailing_abs_median(residual, width, gap, floor)
    scaled = np.divide(residual, spread, out=np.full(residual.shape, np.nan), where=spread > 0)
    divisor = spread * autocorrelation_inflation(scaled, width, gap, floor, config.horizon_weeks)
    if groups is not None:
        n_errors = np.sum(~np.isnan(trailing_windows(residual, width, gap)), axis=2)
        divisor = pooled_divisors(divisor, n_errors, groups)
    nan = np.full(residual.shape, np.nan)
    return (np.divide(residual, divisor, out=nan.copy(), where=divisor > 0),
            np.divide(np.sqrt(np.maximum(expected, 0.0)), divisor, out=nan.copy(),
                      where=divisor > 0))


def event_errors(keys: pd.DataFrame, events: np.ndarray, expected_events: np.ndarray,
                 config: BandConfig, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`count_errors` of every series, with the sign turned for the cost KPIs.

    A CAC is tested on the new customers behind it (:func:`cost_events`): fewer customers
    is a higher CAC, so its error is the customers' error negated.
    """
    counted, unit = count_errors(events, expected_events, config, groups)
    is_cost = keys["kpi"].isin(COST_KPIS).to_numpy()[:, None]
    return np.where(is_cost, -counted, counted), unit


def bonferroni_z(interval_level: float, n_series: int) -> float:
    """Two-sided normal quantile giving family-wise ``interval_level`` over ``n_series``."""
    alpha = (1.0 - interval_level) / max(n_series, 1)
    return float(norm.ppf(1.0 - alpha / 2.0))


def wide_values(series: pd.DataFrame, weeks: pd.DatetimeIndex,
                column: str = "value") -> tuple[pd.DataFrame, np.ndarray]:
    """Series keys (one row each, sorted) and their (series x week) matrix of ``column``."""
    keyed = series.set_index([*SERIES_KEYS, "week"])[column]
    wide = keyed.unstack("week").reindex(columns=weeks).sort_index()
    return wide.index.to_frame(index=False), wide.to_numpy(dtype=np.float64)


def cost_events(values: np.ndarray, expected: np.ndarray,
                customers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the new customers behind a CAC (``n``) and those its expectation implies.

    A CAC is the window's spend over its new customers (``n``). The spend is known exactly,
    so every deviation of the CAC is a deviation of that count: the customers expected are
    the spend (``value x n``) over the expected CAC. Testing the count instead of the ratio
    keeps the Poisson noise model of the other counts; the ratio's ``1 / customers`` makes
    its errors skewed and heavy-tailed, and was most of the CAC's false alarms.
    """
    nan = np.full(values.shape, np.nan)
    implied = np.divide(values * customers, expected, out=nan.copy(), where=expected > 0)
    return customers, implied


def week_errors(series: pd.DataFrame, weeks: pd.DatetimeIndex, keys: pd.DataFrame,
                values: np.ndarray, rows: np.ndarray, expected: np.ndarray, spread: np.ndarray,
                config: BandConfig) -> dict[str, np.ndarray]:
    """Events, expected events, the standardised error and its unit of every (series, week).

    Rate KPIs are tested on their weekly events against the events expected at the
    reference rates (:mod:`features.kpi_reference`); counts against their forecast, as
    Poisson counts; CAC on the new customers of its window against those its expectation
    implies (:func:`cost_events`; fewer customers is a higher CAC, so the sign flips); the
    other KPIs on ``(value - expected) / spread``. ``unit`` is the standardised size of a
    100% change of the expectation (for the cycles, of the week's summed lateness), used by
    the alert rule's ``min_change`` and ``min_cycle_change``. ``rows`` is the (series x week)
    matrix of ``n``.
    """
    nan = np.full(values.shape, np.nan)
    events = wide_values(series, weeks, "events")[1] if "events" in series else nan
    expected_events = wide_values(series, weeks, "expected_events")[1] \
        if "expected_events" in series else nan
    kpi = keys["kpi"].to_numpy()[:, None]
    is_count, is_cost = np.isin(kpi, COUNT_KPIS), np.isin(kpi, COST_KPIS)
    customers, implied = cost_events(values, expected, rows)
    events = np.where(is_count, values, np.where(is_cost, customers, events))
    expected_events = np.where(is_count, expected, np.where(is_cost, implied, expected_events))
    plain = np.divide(values - expected, spread, out=nan.copy(), where=spread > 0)
    plain_unit = np.divide(np.abs(expected), spread, out=nan.copy(), where=spread > 0)
    counted, count_unit = event_errors(keys, events, expected_events, config,
                                       dispersion_groups(keys, config))
    tested = ~np.isnan(expected_events).all(axis=1)[:, None]
    return {"events": events, "expected_events": expected_events,
            "error": np.where(tested, counted, plain),
            "unit": np.where(tested, count_unit, plain_unit)}


def build_bands(series: pd.DataFrame, config: BandConfig,
                override: Override | None = None) -> pd.DataFrame:
    """Add each week's expected value and band to every KPI series.

    Parameters
    ----------
    series : pd.DataFrame
        ``week``, ``kpi``, ``segment_type``, ``segment``, ``value``, ``n`` (see
        :func:`features.kpi_series.build_kpi_series`).
    config : BandConfig
        Band settings.
    override : callable, optional
        Given the series' keys, the weeks and the (series x week) values and ``n``, returns
        expectations that replace the own-history forecast of a whole series (NaN rows
        keep it); see :mod:`models.monitoring.exposure`.

    Returns
    -------
    pd.DataFrame
        :data:`BAND_COLUMNS`, one row per input row, sorted by series then week; ``expected``,
        ``lower``, ``upper`` and ``scale`` are NaN while history is too short.
    """
    weeks = pd.DatetimeIndex(np.sort(series["week"].unique()))
    keys, values = wide_values(series, weeks)
    rows = wide_values(series, weeks, "n")[1]
    replaced = None if override is None else override(keys, weeks, values, rows)
    expected, scale, inflation = forecast(values, config, replaced)
    tested = week_errors(series, weeks, keys, values, rows, expected, scale * inflation, config)
    family = keys.groupby(["segment_type"])["kpi"].transform("size").to_numpy()
    z = np.array([bonferroni_z(config.interval_level, int(m)) for m in family])[:, None]
    n_weeks = len(weeks)
    out = pd.DataFrame({
        "week": np.tile(weeks.to_numpy(), len(keys)),
        **{key: np.repeat(keys[key].to_numpy(), n_weeks) for key in SERIES_KEYS},
        "value": values.ravel(), "expected": expected.ravel(),
        "lower": np.maximum(expected - z * scale, 0.0).ravel(),  # every KPI is >= 0
        "upper": (expected + z * scale).ravel(),
        "scale": scale.ravel(), "inflation": inflation.ravel(), "n": rows.ravel(),
        **{name: column.ravel() for name, column in tested.items()}})
    out = out.loc[out["value"].notna()].reset_index(drop=True)
    return out[list(BAND_COLUMNS)]
