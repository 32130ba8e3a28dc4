"""The simulated world with known truth, and the ground-truth checks against it."""
