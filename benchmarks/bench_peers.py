"""channelwise against PyMC-Marketing on simulated worlds, all plans scored on the true curves.

For each seed, the default world and a varied world are simulated. channelwise fits its
curves (``fit_response``'s defaults, 30 bootstrap refits) and plans with the true value per
lead; PyMC-Marketing's MMM is fitted in its own venv (``benchmarks/peer_pymc.py``) on the
weekly spend and total leads, and its optimiser plans (a) the leads, as a user would, and
(b) each channel's contribution weighted by the true value per lead. Every plan spends the
current weekly budget within the same caps (twice the highest 13-week average spend).
When the peer's optimiser fails from its default start (the even split), it is run once
more from today's mix, and the JSON says so (``start``, ``even_split_error``).
The JSON is rewritten after every world, so a crash loses nothing.
Usage: python benchmarks/bench_peers.py [--seeds 1 2 ... 10] [--draws 500 --tune 500]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.channels import build_channel_panel
from features.contract import validate_tables
from models.allocation.plan import Constraints, channel_bounds, optimise
from models.response.model import FitOptions, build_panel, curves_from_vector, fit_joint
from models.response.uncertainty import CurveSet, bootstrap_curves
from models.simulation.generator import simulate_world
from models.simulation.tables import end_of_data
from models.simulation.truth import current_spend, plan_scorecard, spend_upper_bounds

ROOT = Path(__file__).resolve().parents[1]
PEER_PYTHON = ROOT / ".venv-peers" / "bin" / "python"


def weekly_frame(tables: dict[str, pd.DataFrame], channels: list[str]) -> pd.DataFrame:
    """Return the peer's input: date, weekly spend per paid channel, ``y`` = total leads."""
    data = validate_tables({k: v.astype(str) for k, v in tables.items()})
    panel = build_channel_panel(data.spend, data.customers, data.leads, end_of_data())
    spend = panel.pivot(index="week", columns="channel", values="spend")[channels]
    leads = panel.groupby("week")["leads"].sum()
    return spend.assign(y=leads).rename_axis("date").reset_index()


def channelwise_plan(
    tables: dict[str, pd.DataFrame], seed: int, vpu: np.ndarray, channels: list[str],
    current: np.ndarray, caps: np.ndarray, n_bootstrap: int,
) -> tuple[dict[str, float], float]:
    """Fit channelwise's curves and plan with the true values; return the plan and seconds.

    The clock covers what ``fit_response`` + ``allocate`` do with the weekly panel (the fit,
    the bootstrap refits and the plan), as the peer's covers its fit and optimiser; building
    the panel from the raw tables is outside both.
    """
    data = validate_tables({k: v.astype(str) for k, v in tables.items()})
    panel = build_panel(build_channel_panel(data.spend, data.customers, data.leads,
                                            end_of_data()), "leads")
    options = FitOptions(random_state=seed)
    started = time.perf_counter()
    x, _ = fit_joint(panel, options)
    curves = CurveSet("leads", curves_from_vector(x, panel, options.fourier_order),
                      bootstrap_curves(panel, x, options, n_bootstrap))
    bounds = channel_bounds(channels, current, caps, Constraints())
    fitted = [curves.channel(c) for c in channels]
    plan = optimise(fitted, vpu, float(current.sum()), bounds, incumbent=current)
    return dict(zip(channels, plan.spend.tolist(), strict=True)), time.perf_counter() - started


def run_peer(task: dict[str, Any], frame: pd.DataFrame, timeout: int) -> dict[str, Any]:
    """Run the peer in its venv on one world; return its JSON (or the error)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frame.to_csv(folder / "world.csv", index=False)
        (folder / "task.json").write_text(json.dumps(task))
        started = time.perf_counter()
        done = subprocess.run([str(PEER_PYTHON), str(ROOT / "benchmarks" / "peer_pymc.py"),
                               str(folder)], capture_output=True, text=True, timeout=timeout,
                              check=False)
        result = (json.loads((folder / "peer.json").read_text())
                  if (folder / "peer.json").exists() else {})
        result["wall_seconds"] = time.perf_counter() - started
        if done.returncode != 0:
            result["error"] = done.stderr.strip().splitlines()[-1:] or ["exit code"]
        return result


def score_world(seed: int, vary: bool, args: argparse.Namespace) -> dict[str, Any]:
    """Simulate one world, plan it both ways and score every plan on the true curves."""
    world = simulate_world(seed, "default", vary=vary)
    tables = {"customers": world.customers, "orders": world.orders, "spend": world.spend,
              "leads": world.leads}
    truth = world.truth
    channels = sorted(c for c, v in truth["channels"].items() if v["paid"])
    vpu = np.array([truth["channels"][c]["value_per_lead"] for c in channels])
    current = current_spend(world.spend).reindex(channels).to_numpy()
    caps = spend_upper_bounds(world.spend).reindex(channels).to_numpy()
    ours, ours_seconds = channelwise_plan(tables, seed, vpu, channels, current, caps,
                                          args.bootstrap)
    task = {"channels": channels, "budget": float(current.sum()),
            "caps": dict(zip(channels, caps.tolist(), strict=True)),
            "current": dict(zip(channels, current.tolist(), strict=True)),
            "value_per_lead": dict(zip(channels, vpu.tolist(), strict=True)),
            "chains": args.chains, "draws": args.draws, "tune": args.tune, "l_max": 8,
            "yearly_seasonality": 2, "seed": seed, "weeks": 13,
            "variants": ["leads", "value", "leads_scaled_objective"]}
    peer = run_peer(task, weekly_frame(tables, channels), args.timeout)
    plans = {"channelwise": ours} | {k: v["spend"] for k, v in peer.items()
                                     if isinstance(v, dict) and "spend" in v}
    card = plan_scorecard(truth, plans)
    row = {"seed": seed, "varied": vary, "channelwise_seconds": ours_seconds,
            "captured": {k: card[k]["uplift_captured"] for k in plans},
            "plans": plans, "peer": {k: v for k, v in peer.items() if k != "settings"},
            "oracle_value": card["oracle_value"], "current_value": card["current_value"]}
    return row | {"speed_ratio": speed_ratio(row)}


def speed_ratio(row: dict[str, Any]) -> float | None:
    """Peer fit + optimise (variant a) over channelwise fit + plan, in one world."""
    peer = row["peer"]
    if "fit_seconds" not in peer or "seconds" not in peer.get("leads", {}):
        return None
    return float((peer["fit_seconds"] + peer["leads"]["seconds"]) / row["channelwise_seconds"])


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and worst captured share per planner, the acceptance checks and speed ratios."""
    names = sorted({k for r in rows for k in r["captured"]})
    out: dict[str, Any] = {}
    for name in names:
        values = [r["captured"][name] for r in rows if r["captured"].get(name) is not None]
        out[name] = {"mean": float(np.mean(values)), "worst": float(np.min(values)),
                     "worlds": len(values)}
    gaps_b = [r["captured"]["channelwise"] - r["captured"]["value"] for r in rows
              if r["captured"].get("value") is not None]
    gaps_a = [r["captured"]["channelwise"] - r["captured"]["leads"] for r in rows
              if r["captured"].get("leads") is not None]
    ratios = [x for x in (speed_ratio(r) for r in rows) if x is not None]
    out["checks"] = {
        "mean_at_least_peer_b": bool(gaps_b)
        and bool(out["channelwise"]["mean"] >= out["value"]["mean"]),
        "every_world_within_0.03_of_peer_b": bool(gaps_b) and bool(min(gaps_b) >= -0.03),
        "worst_world_at_least_0.90": bool(out["channelwise"]["worst"] >= 0.90),
        "mean_at_least_0.95": bool(out["channelwise"]["mean"] >= 0.95),
        "margin_vs_peer_a_mean": float(np.mean(gaps_a)) if gaps_a else None,
        "margin_vs_peer_a_worst": float(np.min(gaps_a)) if gaps_a else None,
        "margin_vs_peer_b_worst": float(np.min(gaps_b)) if gaps_b else None}
    out["speed_ratio"] = {"per_world": ratios,
                          "median": float(np.median(ratios)) if ratios else None,
                          "min": float(np.min(ratios)) if ratios else None}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(1, 11)))
    parser.add_argument("--bootstrap", type=int, default=30)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--out", default="benchmarks/results/peers.json")
    args = parser.parse_args()
    out = Path(args.out)
    results: dict[str, Any] = {"settings": vars(args), "worlds": []}
    if out.exists():  # resume: keep the worlds a previous run with the same settings finished
        previous = json.loads(out.read_text())
        if previous.get("settings") == results["settings"]:
            results["worlds"] = previous["worlds"]
    done = {(r["seed"], r["varied"]) for r in results["worlds"]}
    for seed in args.seeds:
        for vary in (False, True):
            if (seed, vary) in done:
                continue
            results["worlds"].append(score_world(seed, vary, args))
            results["summary"] = summarise(results["worlds"])
            out.write_text(json.dumps(results, indent=2, sort_keys=True, default=_plain) + "\n")
            print(json.dumps(results["worlds"][-1]["captured"]), flush=True)


def _plain(value: Any) -> Any:
    """JSON for NumPy scalars."""
    return value.item() if hasattr(value, "item") else str(value)

if __name__ == "__main__":
    main()
