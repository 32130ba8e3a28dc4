"""Estimators, solvers, the simulator and model I/O."""
