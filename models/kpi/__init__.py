"""KPI weights: the outcome, the evidence, the weights, strategy phases and the team scorecard."""
