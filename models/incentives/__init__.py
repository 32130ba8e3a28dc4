"""From scorecard to pay: KPI schemes, incentive plans and what a plan pays each team."""
