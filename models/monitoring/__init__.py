"""KPI monitoring: expected bands, alerts, the drivers of a deviation and model health."""
