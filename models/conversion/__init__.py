"""Lead conversion: the calibrated lead model, its rows, baseline, funnel and scoring."""
