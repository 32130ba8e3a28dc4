"""Model cards name the MLflow run (and registered version) of each model trained in the run."""

from __future__ import annotations

from models.report.cards import model_cards_section, run_facts
from models.report.inputs import ReportInputs


def test_a_run_record_gives_the_run_id_and_the_registered_version() -> None:
    record = {"run_id": "abc123", "registered_model": "cltv", "model_version": "7"}
    assert run_facts(record, None, "train_cltv") == [("MLflow run", "abc123"),
                                                     ("registered model", "cltv v7")]


def test_a_training_stage_without_a_record_says_where_the_record_should_be() -> None:
    assert run_facts(None, None, "train_conversion") == [
        ("MLflow run", "not recorded (no data/runs/train_conversion.json)")]
    assert run_facts({}, None, "allocate") == [
        ("MLflow run", "none: this stage logs no MLflow run")]


def test_the_cards_show_each_training_stage_run() -> None:
    inputs = ReportInputs(
        cltv_metrics={"as_of": "2025-12-29"}, kpi_metrics={"rows": 3},
        runs={"train_cltv": {"run_id": "run-cltv", "registered_model": "cltv",
                             "model_version": "2"},
              "kpi_weights": {"run_id": "run-kpi"}})
    html = model_cards_section(inputs)
    assert "run-cltv" in html and "cltv v2" in html and "run-kpi" in html
    assert "not recorded" not in html.split("Lead conversion")[0]
