"""The optional staff table and ``leads.referred_by``: credit goes only to known staff."""

from __future__ import annotations

import pandas as pd
import pytest

from features.contract import ContractError, dataset_summary, validate_tables
from tests.features.test_contract import valid_tables


def with_staff(referred_by: list[str | None], staff_ids: list[str] | None) -> dict:
    tables = valid_tables()
    tables["leads"] = tables["leads"].assign(referred_by=referred_by)
    if staff_ids is not None:
        tables["staff"] = pd.DataFrame({"staff_id": staff_ids,
                                        "department": ["engineering"] * len(staff_ids),
                                        "role": ["developer"] * len(staff_ids)}, dtype=str)
    return tables


def test_referrals_by_known_staff_pass_and_staff_is_typed_and_sorted() -> None:
    data = validate_tables(with_staff([None, "S2", "S1", None], ["S2", "S1"]))
    assert data.staff is not None and list(data.staff["staff_id"]) == ["S1", "S2"]
    assert data.leads is not None and data.leads["referred_by"].notna().sum() == 2
    assert dataset_summary(data)["tables"]["staff"] == {"rows": 2}  # staff rows are not dated


def test_a_referrer_missing_from_staff_is_named_with_the_lead() -> None:
    with pytest.raises(ContractError) as caught:
        validate_tables(with_staff([None, "S9", "S1", None], ["S1"]))
    (violation,) = caught.value.violations
    assert (violation.table, violation.column, violation.count) == ("leads", "referred_by", 1)
    assert violation.rule == "must exist in staff"
    assert "S9" in str(caught.value)


def test_referrals_without_a_staff_table_are_a_violation() -> None:
    with pytest.raises(ContractError, match="referred_by"):
        validate_tables(with_staff([None, "S1", None, None], None))


def test_staff_ids_must_be_unique_and_complete() -> None:
    tables = with_staff([None] * 4, ["S1", "S1"])
    tables["staff"].loc[1, "role"] = None
    with pytest.raises(ContractError) as caught:
        validate_tables(tables)
    rules = {(v.table, v.column, v.rule) for v in caught.value.violations}
    assert ("staff", "staff_id", "must be unique") in rules
    assert ("staff", "role", "must not be null") in rules
