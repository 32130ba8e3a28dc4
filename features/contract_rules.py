"""Rules of the data contract: per-table pandera schemas and cross-table checks.

Every check returns :class:`~features.contract_errors.Violation` objects instead of raising,
so that one run reports every broken rule at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from features.contract_errors import Violation, rows_violation
from features.contract_parse import parse_table

REQUIRED_COLUMN_MISSING = "required column missing"
MUST_NOT_BE_NULL = "must not be null"
MUST_BE_UNIQUE = "must be unique"
MUST_BE_NON_NEGATIVE = "must be >= 0"
MUST_BE_MONDAY = "must be a Monday at 00:00"
MUST_EXIST_IN_CUSTOMERS = "must exist in customers"
MUST_EXIST_IN_STAFF = "must exist in staff"
MUST_NOT_PRECEDE_CREATED = "must not be before created_at"
TABLE_IS_EMPTY = "table is empty"

# Rule for each pandera check name; custom checks are named by their rule.
_PANDERA_RULES = {
    "column_in_dataframe": REQUIRED_COLUMN_MISSING,
    "not_nullable": MUST_NOT_BE_NULL,
    "field_uniqueness": MUST_BE_UNIQUE,
    "multiple_fields_uniqueness": MUST_BE_UNIQUE,
    "greater_than_or_equal_to(0)": MUST_BE_NON_NEGATIVE,
    MUST_BE_MONDAY: MUST_BE_MONDAY,
}


@dataclass(frozen=True)
class TableSpec:
    """Columns and rules of one input table.

    Attributes
    ----------
    name : str
        Table name, also the file stem (``orders.csv``).
    required : tuple of str
        Columns that must exist and must not be null.
    keys : tuple of str
        Columns that identify a row in error examples.
    sort_by : tuple of str
        Deterministic row order of the validated table.
    time_column : str
        Timestamp that dates a row, for summaries.
    unique : tuple of str
        Columns whose values must be unique on their own.
    unique_together : tuple of str
        Columns whose combination must be unique.
    non_negative : tuple of str
        Numeric columns that must be >= 0.
    mondays : tuple of str
        Timestamp columns that must fall on a Monday at midnight.
    """

    name: str
    required: tuple[str, ...]
    keys: tuple[str, ...]
    sort_by: tuple[str, ...]
    time_column: str
    unique: tuple[str, ...] = ()
    unique_together: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    mondays: tuple[str, ...] = ()


TABLE_SPECS: dict[str, TableSpec] = {
    "customers": TableSpec(
        name="customers",
        required=("customer_id", "acquired_at", "acquisition_channel"),
        keys=("customer_id",),
        sort_by=("customer_id",),
        time_column="acquired_at",
        unique=("customer_id",),
    ),
    "orders": TableSpec(
        name="orders",
        required=("order_id", "customer_id", "ordered_at", "revenue"),
        keys=("order_id",),
        sort_by=("ordered_at", "order_id"),
        time_column="ordered_at",
        unique=("order_id",),
        non_negative=("revenue",),
    ),
    "spend": TableSpec(
        name="spend",
        required=("week", "channel", "spend"),
        keys=("week", "channel"),
        sort_by=("week", "channel"),
        time_column="week",
        unique_together=("week", "channel"),
        non_negative=("spend",),
        mondays=("week",),
    ),
    "leads": TableSpec(
        name="leads",
        required=("lead_id", "created_at", "channel"),
        keys=("lead_id",),
        sort_by=("created_at", "lead_id"),
        time_column="created_at",
        unique=("lead_id",),
    ),
    "staff": TableSpec(
        name="staff",
        required=("staff_id", "department", "role"),
        keys=("staff_id",),
        sort_by=("staff_id",),
        time_column="",  # staff rows are not dated
        unique=("staff_id",),
    ),
}
REQUIRED_TABLES = ("customers", "orders", "spend")
OPTIONAL_TABLES = ("leads", "staff")
LEAD_MILESTONES = ("mql_at", "sql_at", "converted_at")


def is_monday_midnight(week: pd.Series) -> pd.Series:
    """Tell which timestamps are a Monday at 00:00:00.

    Parameters
    ----------
    week : pandas.Series
        ``datetime64`` column.

    Returns
    -------
    pandas.Series
        Boolean column.
    """
    return (week.dt.day_of_week == 0) & (week == week.dt.normalize())


def build_schema(spec: TableSpec, columns: pd.Index) -> pa.DataFrameSchema:
    """Build the pandera schema of a table's column rules.

    Parameters
    ----------
    spec : TableSpec
        The table's rules.
    columns : pandas.Index
        Columns present, so that a pair-uniqueness rule is only set when both exist.

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Schema for the typed table (no type coercion: parsing happens before).
    """
    schema_columns = {}
    for name in spec.required:
        checks = []
        if name in spec.non_negative:
            checks.append(pa.Check.ge(0))
        if name in spec.mondays:
            checks.append(pa.Check(is_monday_midnight, name=MUST_BE_MONDAY))
        schema_columns[name] = pa.Column(
            nullable=False, unique=name in spec.unique, checks=checks, required=True
        )
    together = list(spec.unique_together)
    unique = together if together and set(together) <= set(columns) else None
    return pa.DataFrameSchema(schema_columns, unique=unique, name=spec.name)


def check_columns(
    spec: TableSpec, typed: pd.DataFrame, invalid: Mapping[str, pd.Series]
) -> list[Violation]:
    """Check required columns, nulls, uniqueness, signs and Mondays with pandera.

    Parameters
    ----------
    spec : TableSpec
        The table's rules.
    typed : pandas.DataFrame
        Parsed table with a default ``RangeIndex``.
    invalid : mapping of str to pandas.Series
        Unparseable cells per column; already reported, so not reported again as null.

    Returns
    -------
    list of Violation
        One per (column, rule) that fails.
    """
    try:
        build_schema(spec, typed.columns).validate(typed, lazy=True)
    except SchemaErrors as errors:
        return _failure_cases_to_violations(spec, typed, errors.failure_cases, invalid)
    return []


def _failure_cases_to_violations(
    spec: TableSpec,
    typed: pd.DataFrame,
    cases: pd.DataFrame,
    invalid: Mapping[str, pd.Series],
) -> list[Violation]:
    violations = []
    for name in cases.loc[cases["check"] == "column_in_dataframe", "failure_case"]:
        violations.append(Violation(spec.name, str(name), REQUIRED_COLUMN_MISSING, len(typed), []))
    duplicated = cases.loc[cases["check"] == "multiple_fields_uniqueness", "index"].dropna()
    if not duplicated.empty:
        together = ", ".join(spec.unique_together)
        violations.append(
            rows_violation(
                spec.name, together, MUST_BE_UNIQUE, typed, duplicated, spec.unique_together
            )
        )
    per_column = cases[cases["schema_context"] == "Column"]
    for (name, check), group in per_column.groupby(["column", "check"], sort=False):
        column, rule = str(name), _PANDERA_RULES.get(str(check), str(check))
        rows = {int(row) for row in group["index"].dropna()}
        if rule == MUST_NOT_BE_NULL and column in invalid:
            rows -= set(invalid[column].to_numpy().nonzero()[0].tolist())
        if rows:
            shown = [*spec.keys, column]
            violations.append(rows_violation(spec.name, column, rule, typed, rows, shown))
    return violations


def check_lead_milestones(leads: pd.DataFrame) -> list[Violation]:
    """Check that no lead reaches MQL, SQL or conversion before it is created.

    Parameters
    ----------
    leads : pandas.DataFrame
        Parsed leads with ``lead_id`` and ``created_at``, and any of ``mql_at``, ``sql_at``,
        ``converted_at``.

    Returns
    -------
    list of Violation
        One per milestone column with a date before ``created_at``.
    """
    if "created_at" not in leads.columns:
        return []
    violations = []
    for column in LEAD_MILESTONES:
        if column not in leads.columns:
            continue
        early = (leads[column] < leads["created_at"]).to_numpy().nonzero()[0]
        if early.size:
            shown = ["lead_id", "created_at", column]
            violations.append(
                rows_violation("leads", column, MUST_NOT_PRECEDE_CREATED, leads, early, shown)
            )
    return violations


def check_table(spec: TableSpec, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Violation]]:
    """Parse one table and check every rule that needs only that table.

    Parameters
    ----------
    spec : TableSpec
        The table's rules; see :data:`TABLE_SPECS` for the required columns.
    raw : pandas.DataFrame
        Table as read (not modified).

    Returns
    -------
    typed : pandas.DataFrame
        Parsed table with a default ``RangeIndex``, in input row order.
    violations : list of Violation
        Every broken rule of the table.
    """
    source = raw.reset_index(drop=True).rename(columns=str)
    typed, violations, invalid = parse_table(spec.name, source, spec.keys)
    if typed.empty:
        violations.append(Violation(spec.name, "*", TABLE_IS_EMPTY, 0, []))
    violations += check_columns(spec, typed, invalid)
    if spec.name == "leads":
        violations += check_lead_milestones(typed)
    return typed, violations


def check_customer_keys(tables: Mapping[str, pd.DataFrame]) -> list[Violation]:
    """Check that every ``customer_id`` of orders and leads exists in customers.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Parsed tables by name; ``customers`` needs ``customer_id``. Missing tables or
        columns are skipped (they are reported elsewhere), and so are null ids.

    Returns
    -------
    list of Violation
        One per table with unknown customer ids.
    """
    customers = tables.get("customers")
    if customers is None or "customer_id" not in customers.columns:
        return []
    known = customers["customer_id"].dropna().unique()
    violations = []
    for name in ("orders", "leads"):
        frame = tables.get(name)
        if frame is None or "customer_id" not in frame.columns:
            continue
        ids = frame["customer_id"]
        orphans = (ids.notna() & ~ids.isin(known)).to_numpy().nonzero()[0]
        if orphans.size:
            shown = [*TABLE_SPECS[name].keys, "customer_id"]
            violations.append(
                rows_violation(name, "customer_id", MUST_EXIST_IN_CUSTOMERS, frame, orphans, shown)
            )
    return violations


def check_referrers(tables: Mapping[str, pd.DataFrame]) -> list[Violation]:
    """Check that every ``leads.referred_by`` names a member of the staff table.

    A referral without a staff table is a violation too: credit must go to someone known.
    Null referrers (leads nobody referred) are fine.
    """
    leads = tables.get("leads")
    if leads is None or "referred_by" not in leads.columns:
        return []
    staff = tables.get("staff")
    known: list[object] = (staff["staff_id"].dropna().unique().tolist()
                           if staff is not None and "staff_id" in staff.columns else [])
    ids = leads["referred_by"]
    orphans = (ids.notna() & ~ids.isin(known)).to_numpy().nonzero()[0]
    if not orphans.size:
        return []
    return [rows_violation("leads", "referred_by", MUST_EXIST_IN_STAFF, leads, orphans,
                           [*TABLE_SPECS["leads"].keys, "referred_by"])]
