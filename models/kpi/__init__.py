"""KPI weights: the outcome, the evidence, the weights, strategy profiles and the team scorecard."""
