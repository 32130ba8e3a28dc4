"""Typed params of stage ``fit_response``, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.params import ParamsError, integer

SECTION = "fit_response"
RESPONSE_UNITS = ("auto", "leads", "new_customers")


@dataclass(frozen=True)
class FitResponseParams:
    """Params of stage ``fit_response``."""

    response: str
    fourier_order: int
    n_starts: int
    n_bootstrap: int
    block_weeks: int
    holdout_weeks: int
    seed: int

    def response_unit(self, has_leads: bool) -> str:
        """Resolve ``auto``: leads when there are any, else new customers."""
        if self.response != "auto":
            return self.response
        return "leads" if has_leads else "new_customers"


def parse_fit_response(section: dict[str, Any], seed: int) -> FitResponseParams:
    """Validate the ``fit_response`` section."""
    response = str(section.get("response", "auto"))
    if response not in RESPONSE_UNITS:
        raise ParamsError("params.yaml: fit_response.response must be auto, leads or "
                          f"new_customers, not {response!r}")
    ints = {k: integer(section, k, SECTION, lo, hi) for k, lo, hi in [
        ("fourier_order", 0, 6), ("n_starts", 1, 50), ("n_bootstrap", 0, 1000),
        ("block_weeks", 1, 52), ("holdout_weeks", 1, 52)]}
    return FitResponseParams(response=response, seed=seed, **ints)
