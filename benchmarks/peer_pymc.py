"""The PyMC-Marketing side of bench_peers: fit its MMM on one world and run its optimiser.

Runs in the peer's own venv (``.venv-peers``, ``benchmarks/requirements-peers.txt``), never in
the project's. Reads ``world.csv`` (date, one spend column per paid channel, ``y`` = total
weekly leads) and ``task.json`` (channels, weekly budget, caps, true value per lead, sampler
settings); writes ``peer.json`` with both variants' weekly plans, the optimiser's reports and
the wall times.
Usage: .venv-peers/bin/python benchmarks/peer_pymc.py TASK_DIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr


def fit_mmm(frame: pd.DataFrame, task: dict[str, Any]) -> tuple[Any, float, float]:
    """Fit the MMM: geometric adstock, logistic saturation, yearly seasonality, default priors."""
    import arviz as az
    from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation
    from pymc_marketing.mmm.multidimensional import MMM

    mmm = MMM(date_column="date", channel_columns=task["channels"], target_column="y",
              adstock=GeometricAdstock(l_max=task["l_max"]), saturation=LogisticSaturation(),
              yearly_seasonality=task["yearly_seasonality"])
    started = time.perf_counter()
    mmm.fit(frame.drop(columns="y"), frame["y"], chains=task["chains"], cores=task["chains"],
            draws=task["draws"], tune=task["tune"], target_accept=0.9,
            random_seed=task["seed"], progressbar=False)
    seconds = time.perf_counter() - started
    rhat = float(az.rhat(mmm.idata.posterior).to_array().max())
    return mmm, seconds, rhat


def weighted_response(weights: dict[str, float]) -> Any:
    """Utility: posterior mean of sum over weeks and channels of w_c * contribution_c."""
    from pytensor.xtensor import as_xtensor

    def utility(samples: Any, budgets: Any) -> Any:
        w = as_xtensor(np.array(list(weights.values())), dims=("channel",))
        return (as_xtensor(samples) * w).sum(dim=("date", "channel")).mean(dim="sample")

    return utility


def scaled_mean(y_max: float) -> Any:
    """Utility: the default mean response divided by max(y), the model's internal target scale.

    A diagnostic only: it shows what SLSQP's absolute ``ftol`` does to an objective that
    changes little per currency unit.
    """
    from pytensor.xtensor import as_xtensor

    def utility(samples: Any, budgets: Any) -> Any:
        return as_xtensor(samples).mean(dim="sample") / y_max

    return utility


def optimise(mmm: Any, frame: pd.DataFrame, task: dict[str, Any], variant: str) -> dict[str, Any]:
    """Run ``optimize_budget`` as documented: weekly budget, per-channel caps as bounds.

    Its SLSQP starts at the even split. When that start raises (SciPy's "Positive
    directional derivative for linesearch"), the same call is made once more from today's
    mix; ``start`` and ``even_split_error`` record it.
    """
    from pymc_marketing.mmm.budget_optimizer import MinimizeException
    from pymc_marketing.mmm.multidimensional import MultiDimensionalBudgetOptimizerWrapper

    last = pd.Timestamp(frame["date"].max())
    wrapper = MultiDimensionalBudgetOptimizerWrapper(
        model=mmm, start_date=str((last + pd.Timedelta(weeks=1)).date()),
        end_date=str((last + pd.Timedelta(weeks=task["weeks"])).date()))
    channels = task["channels"]
    bounds = xr.DataArray(np.array([[0.0, task["caps"][c]] for c in channels]),
                          dims=("channel", "bound"),
                          coords={"channel": channels, "bound": ["lower", "upper"]})
    kwargs: dict[str, Any] = {}
    if variant == "value":
        kwargs = {"response_variable": "channel_contribution_original_scale",
                  "utility_function": weighted_response(task["value_per_lead"])}
    elif variant == "leads_scaled_objective":
        kwargs = {"utility_function": scaled_mean(float(frame["y"].abs().max()))}
    started = time.perf_counter()
    report: dict[str, Any] = {"start": "even split"}
    try:
        allocation, result = wrapper.optimize_budget(budget=task["budget"],
                                                     budget_bounds=bounds, **kwargs)
    except MinimizeException as err:
        # SLSQP's line search can fail from the even split it starts at; a user would retry
        # from a feasible plan they know, today's mix (allocate_budget's documented x0).
        report = {"start": "current mix", "even_split_error": str(err)}
        current = np.array([task["current"][c] for c in channels])
        allocation, result = wrapper.optimize_budget(budget=task["budget"],
                                                     budget_bounds=bounds, x0=current, **kwargs)
    seconds = time.perf_counter() - started
    return report | {"spend": {c: float(allocation.sel(channel=c)) for c in channels},
                     "seconds": seconds, "nit": int(result.nit), "success": bool(result.success),
                     "message": str(result.message), "fun": float(result.fun)}


def main() -> None:
    task_dir = Path(sys.argv[1])
    task = json.loads((task_dir / "task.json").read_text())
    frame = pd.read_csv(task_dir / "world.csv", parse_dates=["date"])
    out: dict[str, Any] = {"settings": {k: task[k] for k in
                                        ("chains", "draws", "tune", "l_max",
                                         "yearly_seasonality", "seed")}}
    mmm, out["fit_seconds"], out["rhat_max"] = fit_mmm(frame, task)
    mmm.add_original_scale_contribution_variable(var=["channel_contribution"])
    for variant in task["variants"]:
        try:
            out[variant] = optimise(mmm, frame, task, variant)
        except Exception as err:  # the peer's failure is a result to record
            out[variant] = {"error": f"{type(err).__name__}: {err}"}
        (task_dir / "peer.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
