"""The CLTV model on a Dask cluster: the same rows, kernels and boosters as on one machine.

Per-customer work runs per customer bucket with the single-machine pandas kernels
(:func:`features.customers.build_customer_features`, :func:`models.cltv.rows.with_btyd`,
:func:`models.cltv.rows.labelled`, :func:`models.cltv.model.score_frame`). Only the four
BTYD parameters are fitted on the client, from six columns gathered per customer, exactly
as on one machine. The mean model trains on ``lightgbm.dask``; the quantile models see at
most ``max_interval_rows`` rows, as on one machine, so they train on the client.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.customers import build_customer_features
from models.cltv.model import (
    NOT_FEATURES,
    PREDICTION_COLUMNS,
    CLTVConfig,
    CLTVModel,
    Progress,
    booster_params,
    conformal_shift,
    encode,
    fit_encoded,
    orders_before,
    score_frame,
    training_plans,
)
from models.cltv.rows import BTYDFit, CutoffPlan, fit_btyd, labelled, with_btyd
from models.scale.boosting import contributions, fit_dask_booster, log_mean_init
from models.scale.buckets import bucket_partitions, map_buckets
from models.scale.frames import gather_sorted, keep_fraction, learn_bucket_schema
from models.tabular import TabularSchema

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

BTYD_INPUTS = ["customer_id", "frequency", "recency_days", "T_days", "avg_repeat_order_value",
               "n_orders", "avg_order_value"]
TEXT_OUT = ("customer_id", "acquisition_channel")


def _features_kernel(customers: pd.DataFrame, orders: pd.DataFrame,
                     cutoff: pd.Timestamp) -> pd.DataFrame:
    return build_customer_features(customers, orders, cutoff)


def _rows_kernel(base: pd.DataFrame, orders: pd.DataFrame, btyd: BTYDFit, plan: CutoffPlan,
                 config: CLTVConfig, fraction: float, salt: int) -> pd.DataFrame:
    frame = with_btyd(base, btyd, config.horizon_days)
    rows = labelled(frame, orders, btyd, plan, config.horizon_days, config.value_col)
    return keep_fraction(rows, fraction, salt)


def _encode_kernel(rows: pd.DataFrame, schema: TabularSchema) -> pd.DataFrame:
    return encode(rows, schema)


def _score_kernel(base: pd.DataFrame, btyd: BTYDFit, horizon_days: int, schema: TabularSchema,
                  texts: tuple[str, ...], shift: float) -> pd.DataFrame:
    if base.empty:  # LightGBM refuses an empty frame; an empty bucket scores no one
        return pd.DataFrame({name: pd.Series(dtype="str" if name in TEXT_OUT else "f8")
                             for name in PREDICTION_COLUMNS})
    boosters = tuple(lgb.Booster(model_str=text) for text in texts)
    return score_frame(with_btyd(base, btyd, horizon_days), schema, boosters, shift)


def _contrib_kernel(base: pd.DataFrame, btyd: BTYDFit, horizon_days: int,
                    schema: TabularSchema, text: str) -> pd.DataFrame:
    if base.empty:
        return pd.DataFrame({name: pd.Series(dtype="f8") for name in [*schema.columns, "bias"]}
                            | {"customer_id": pd.Series(dtype="str")})
    frame = with_btyd(base, btyd, horizon_days)
    return contributions(text, encode(frame, schema)).assign(
        customer_id=frame["customer_id"].to_numpy())


class DaskCLTVModel(CLTVModel):
    """:class:`models.cltv.model.CLTVModel` trained and scored on a Dask cluster.

    Parameters
    ----------
    config : CLTVConfig
        As for the single-machine model.
    client : distributed.Client
        An open client (see :func:`models.scale.cluster.dask_client`).
    n_buckets : int
        Customer buckets, one partition each.
    bucket_dir : str or pathlib.Path, optional
        Where ``prepare`` wrote the tables by bucket (``customers/`` and ``orders/`` of
        ``bucket=NNN.parquet``); the frames given to :meth:`fit` and :meth:`predict` must be
        the tables they were written from. None, or no such folder: the driver splits the
        frames in memory (see :func:`models.scale.buckets.bucket_partitions`).

    Attributes
    ----------
    As :class:`models.cltv.model.CLTVModel`; it saves and loads the same files.
    """

    def __init__(self, config: CLTVConfig | None = None, *, client: Client,
                 n_buckets: int = 8, bucket_dir: str | Path | None = None) -> None:
        self.config = config
        self.client = client
        self.n_buckets = n_buckets
        self.bucket_dir = bucket_dir

    def _partitions(self, customers: pd.DataFrame, orders: pd.DataFrame,
                    as_of: pd.Timestamp) -> tuple[dd.DataFrame, dd.DataFrame]:
        """Return customers and their orders before ``as_of``, one partition per bucket each."""
        folder = None if self.bucket_dir is None else Path(self.bucket_dir)
        people = bucket_partitions(self.client, customers, self.n_buckets,
                                   None if folder is None else folder / "customers")
        logs = bucket_partitions(self.client, orders, self.n_buckets,
                                 None if folder is None else folder / "orders",
                                 partial(orders_before, as_of=as_of))
        return people, logs

    def _count(self, table: dd.DataFrame) -> int:
        """Rows of a Dask frame, counted on this model's cluster."""
        return int(self.client.compute(table.map_partitions(len).sum(), sync=True))

    def _base(self, customers: dd.DataFrame, orders: dd.DataFrame,
              cutoff: pd.Timestamp) -> tuple[dd.DataFrame, BTYDFit]:
        """Build customer features per bucket (kept on the workers); fit BTYD on them all."""
        meta = build_customer_features(customers._meta, orders._meta, cutoff)
        base = self.client.persist(map_buckets(_features_kernel, customers, orders,
                                               cutoff=cutoff, meta=meta))
        config = self._config
        inputs = gather_sorted(self.client, base, BTYD_INPUTS)
        return base, fit_btyd(inputs, config.random_state, config.max_btyd_rows)

    def _cutoff_rows(self, customers: dd.DataFrame, orders: dd.DataFrame, plan: CutoffPlan,
                     index: int, per_cutoff: int) -> dd.DataFrame:
        config = self._config
        base, btyd = self._base(customers, orders, plan.cutoff)
        fraction = per_cutoff / max(self._count(base), 1)
        meta = _rows_kernel(base._meta, orders._meta, btyd, plan, config, 1.0, 0)
        return map_buckets(_rows_kernel, base, orders, meta=meta, btyd=btyd, plan=plan,
                           config=config, fraction=fraction,
                           salt=config.random_state * 1000 + index)

    def fit(
        self, customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp,
        progress: Progress | None = None,
    ) -> DaskCLTVModel:
        """Train on cutoffs before ``as_of``, as :meth:`CLTVModel.fit`, on the cluster."""
        import dask.dataframe as dd

        config, as_of = self._config, pd.Timestamp(as_of)
        plans = training_plans(customers, orders_before(orders, as_of), as_of, config)
        people, logs = self._partitions(customers, orders, as_of)
        per_cutoff = -(-config.max_train_rows // len(plans))
        stacked = []
        for i, plan in enumerate(plans, start=1):
            if progress is not None:
                progress(f"features as of {plan.cutoff.date()} ({i}/{len(plans)}) on Dask")
            stacked.append(self._cutoff_rows(people, logs, plan, i, per_cutoff))
        rows = self.client.persist(dd.concat(stacked))
        self.schema_ = learn_bucket_schema(self.client, rows, (*NOT_FEATURES,
                                                               *config.drop_features))
        features = rows.map_partitions(_encode_kernel, self.schema_,
                                       meta=encode(rows._meta, self.schema_))
        total, count = self.client.compute([rows["target"].sum(), rows["target"].count()],
                                           sync=True)
        if progress is not None:
            progress(f"training LightGBM on {int(count):,} rows on Dask")
        categorical = [self.schema_.columns[i] for i in self.schema_.categorical_indices]
        self.booster_ = fit_dask_booster(
            self.client, features, rows["target"], booster_params(config),
            config.n_estimators, categorical, log_mean_init(float(total), int(count)))
        self._fit_sampled_intervals(rows, progress)
        self.cutoffs_, self.as_of_ = plans, as_of
        return self

    def _fit_sampled_intervals(self, rows: dd.DataFrame, progress: Progress | None) -> None:
        """Quantile models on a gathered sample of the earlier cutoffs, widened on the latest."""
        config = self._config
        latest = self.client.compute(rows["cutoff"].max(), sync=True)
        earlier = rows.loc[rows["cutoff"] < latest]
        n_earlier = self._count(earlier)
        fit_on = earlier if n_earlier else rows
        fraction = config.max_interval_rows / max(n_earlier or self._count(rows), 1)
        sample = gather_sorted(self.client, fit_on.map_partitions(
            keep_fraction, fraction, config.random_state, meta=fit_on._meta),
            list(rows.columns))
        sample = sample.sort_values(["cutoff", "customer_id"], kind="stable")
        features = encode(sample, self.schema_)
        target = sample["target"].to_numpy(dtype=np.float64)
        if progress is not None:
            progress("training the p10/p90 quantile models")
        lower_q, upper_q = config.quantiles
        self.lower_booster_, self.upper_booster_ = (
            fit_encoded(features, target, self.schema_, booster_params(config, alpha),
                        config.n_estimators) for alpha in (lower_q, upper_q))
        self.input_example_ = features.head(5).reset_index(drop=True)
        self.interval_shift_ = 0.0
        if n_earlier:
            calib = gather_sorted(self.client, rows.loc[rows["cutoff"] == latest],
                                  list(rows.columns))
            calib_features = encode(calib, self.schema_)
            lower, upper = (np.asarray(b.predict(calib_features))
                            for b in (self.lower_booster_, self.upper_booster_))
            self.interval_shift_ = conformal_shift(
                calib["target"].to_numpy(dtype=np.float64), lower, upper, upper_q - lower_q)

    def _scored_base(self, customers: pd.DataFrame, orders: pd.DataFrame,
                     as_of: pd.Timestamp) -> tuple[dd.DataFrame, BTYDFit]:
        return self._base(*self._partitions(customers, orders, as_of), as_of)

    def predict_partitions(self, customers: pd.DataFrame, orders: pd.DataFrame,
                           as_of: pd.Timestamp) -> dd.DataFrame:
        """Predictions per customer bucket, left on the cluster (one partition per bucket)."""
        as_of = pd.Timestamp(as_of)
        base, btyd = self._scored_base(customers, orders, as_of)
        texts = tuple(b.model_to_string() for b in (self.booster_, self.lower_booster_,
                                                   self.upper_booster_))
        args = (btyd, self._config.horizon_days, self.schema_, texts, self.interval_shift_)
        meta = _score_kernel(base._meta, *args)
        return base.map_partitions(_score_kernel, *args, meta=meta)

    def predict(self, customers: pd.DataFrame, orders: pd.DataFrame,
                as_of: pd.Timestamp) -> pd.DataFrame:
        """As :meth:`CLTVModel.predict`, scored per bucket on the cluster, sorted by customer."""
        scored = self.client.compute(self.predict_partitions(customers, orders, as_of),
                                     sync=True)
        return scored.sort_values("customer_id", kind="stable").reset_index(drop=True)

    def contributions(self, customers: pd.DataFrame, orders: pd.DataFrame,
                      as_of: pd.Timestamp) -> pd.DataFrame:
        """TreeSHAP of the mean model per bucket: one column per feature, ``bias`` and id.

        Each row sums to the booster's raw score (the log of ``predicted_value``).
        """
        as_of = pd.Timestamp(as_of)
        base, btyd = self._scored_base(customers, orders, as_of)
        args = (btyd, self._config.horizon_days, self.schema_, self.booster_.model_to_string())
        meta = _contrib_kernel(base._meta, *args)
        shap = self.client.compute(base.map_partitions(_contrib_kernel, *args, meta=meta),
                                   sync=True)
        return shap.sort_values("customer_id", kind="stable").reset_index(drop=True)
