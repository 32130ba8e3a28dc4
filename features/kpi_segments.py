"""Segments of the monitored KPIs: total, channel, team and lead attributes with few levels.

Every lead and customer gets one code per segment type (or -1 when unknown); the codes of
all types share one label table, so one ``bincount`` computes a KPI for every segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TOTAL = "total"
FIXED_TYPES = ("channel", "team")
NOT_ATTRIBUTES = frozenset({"lead_id", "created_at", "channel", "team", "mql_at", "sql_at",
                            "converted_at", "customer_id", "touches", "referred_by"})


@dataclass(frozen=True)
class Segments:
    """Segment codes of one table's rows.

    Attributes
    ----------
    codes : numpy.ndarray
        ``(n_types, n_rows)`` int64: the row's segment code per type, -1 when unknown.
    labels : pandas.DataFrame
        ``segment_type``, ``segment``: one row per code, ``total`` first.
    """

    codes: np.ndarray
    labels: pd.DataFrame

    def types(self) -> list[tuple[int, int, np.ndarray]]:
        """Return (first code, end code, row codes) of each type, in the order of ``codes``.

        A type's labels are consecutive, so its codes fill ``[first, end)``: a KPI can be
        counted one type at a time over the rows, with per-row work done once for all types.
        """
        kinds = self.labels["segment_type"].to_numpy()
        out = []
        for position, name in enumerate(pd.unique(kinds)):
            where = np.flatnonzero(kinds == name)
            out.append((int(where[0]), int(where[-1]) + 1, self.codes[position]))
        return out

    def expanded(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (row position, code) for every known (type, row) pair."""
        n_rows = self.codes.shape[1]
        rows = np.tile(np.arange(n_rows), self.codes.shape[0])
        flat = self.codes.ravel()
        keep = flat >= 0
        return rows[keep], flat[keep]


def attribute_columns(leads: pd.DataFrame, max_levels: int) -> list[str]:
    """Lead attribute columns (not ids, stamps or funnel columns) with 2..max_levels levels."""
    kept = []
    for column in leads.columns:
        if column in NOT_ATTRIBUTES or pd.api.types.is_datetime64_any_dtype(leads[column]):
            continue
        if 2 <= leads[column].nunique(dropna=True) <= max_levels:
            kept.append(str(column))
    return kept


SegmentValues = dict[str, tuple[np.ndarray, np.ndarray]]  # type -> (codes, distinct texts)


def segment_values(rows: pd.DataFrame, types: list[str]) -> SegmentValues:
    """Each segment column of ``rows`` as codes into its distinct texts (-1 where missing).

    A value's text is ``str`` of it, as ``astype("str")`` writes it; the column is factorised
    first, so only its few distinct values are turned into text (on 3.5M leads this is
    several times faster than converting every row).
    """
    out: SegmentValues = {
        TOTAL: (np.zeros(len(rows), dtype=np.int64), np.array([TOTAL], dtype=object))}
    for name in types:
        if name not in rows.columns:
            out[name] = (np.full(len(rows), -1, dtype=np.int64), np.array([], dtype=object))
            continue
        codes, uniques = pd.factorize(rows[name])
        text = pd.Series(uniques).astype("str").to_numpy(dtype=object)
        out[name] = (np.asarray(codes, dtype=np.int64), text)
    return out


def segment_labels(parts: list[SegmentValues]) -> pd.DataFrame:
    """One label table for the segment values of several tables: types in column order."""
    types = list(dict.fromkeys(name for part in parts for name in part))
    frames = []
    for name in types:
        levels: set[str] = set()
        for part in parts:
            if name in part:
                codes, text = part[name]
                levels |= {str(text[c]) for c in np.unique(codes[codes >= 0])}
        frames.append(pd.DataFrame({"segment_type": name, "segment": sorted(levels)}))
    return pd.concat(frames, ignore_index=True)


def encode(part: SegmentValues, labels: pd.DataFrame) -> Segments:
    """Code each row of a table's segment values against ``labels``."""
    kinds = labels["segment_type"].to_numpy()
    types = labels["segment_type"].drop_duplicates().tolist()
    n_rows = len(next(iter(part.values()))[0])
    codes = np.full((len(types), n_rows), -1, dtype=np.int64)
    for position, name in enumerate(types):
        if name not in part:
            continue
        rows = np.flatnonzero(kinds == name)  # this type's labels, consecutive in the table
        value_codes, text = part[name]
        found = pd.Index(labels["segment"].to_numpy()[rows]).get_indexer(text)
        lookup = np.append(np.where(found >= 0, rows[0] + found, -1), -1)
        codes[position] = lookup[value_codes]  # a missing value (-1) takes the last: -1
    return Segments(codes=codes, labels=labels)


def build_segments(
    leads: pd.DataFrame | None, customers: pd.DataFrame, teams: pd.Series, max_levels: int
) -> tuple[Segments | None, Segments]:
    """Segment codes of leads and customers, on one shared label table.

    Parameters
    ----------
    leads : pd.DataFrame or None
        ``channel``, optional ``team``, ``customer_id`` and attribute columns.
    customers : pd.DataFrame
        ``customer_id``, ``acquisition_channel``.
    teams : pd.Series
        Team per ``customer_id`` (see :func:`features.kpis.customer_teams`).
    max_levels : int
        Attributes with more levels are not segments.

    Returns
    -------
    tuple
        Lead segments (None without leads) and customer segments. A customer takes the
        attributes of the lead that converted into it.
    """
    attributes = attribute_columns(leads, max_levels) if leads is not None else []
    types = [*FIXED_TYPES, *attributes]
    ids = customers["customer_id"].astype("str")
    people = pd.DataFrame({"channel": customers["acquisition_channel"].to_numpy(),
                           "team": teams.reindex(ids).to_numpy()}, index=customers.index)
    if leads is not None and attributes and "customer_id" in leads.columns:
        won = leads.loc[leads["customer_id"].notna()].drop_duplicates("customer_id")
        found = won.set_index(won["customer_id"].astype("str"))[attributes].reindex(ids)
        people = people.join(found.set_axis(customers.index))
    customer_part = segment_values(people, types)
    parts = [customer_part]
    lead_part = segment_values(leads, types) if leads is not None else None
    if lead_part is not None:
        parts.insert(0, lead_part)
    labels = segment_labels(parts)
    lead_segments = encode(lead_part, labels) if lead_part is not None else None
    return lead_segments, encode(customer_part, labels)


def restrict(leads: pd.DataFrame | None, customers: pd.DataFrame, teams: pd.Series,
             segment_type: str, segment: str) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Keep the leads and customers of one segment (for a drill-down inside it).

    A customer belongs to a lead attribute's segment through the lead that converted into it.
    """
    ids = customers["customer_id"].astype("str")
    if segment_type == "channel":
        mine = customers["acquisition_channel"].astype("str") == segment
    elif segment_type == "team":
        mine = pd.Series(teams.reindex(ids).to_numpy() == segment, index=customers.index)
    elif leads is not None and segment_type in leads.columns and "customer_id" in leads.columns:
        won = leads.loc[leads[segment_type].astype("str") == segment, "customer_id"]
        mine = ids.isin(won.dropna().astype("str"))
    else:
        mine = pd.Series(False, index=customers.index)
    kept_leads = None
    if leads is not None and segment_type in leads.columns:
        kept_leads = leads.loc[leads[segment_type].astype("str") == segment]
    return kept_leads, customers.loc[mine.to_numpy()]
