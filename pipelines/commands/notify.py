"""Post a monitoring summary to a webhook: Slack-compatible ``text`` plus the alert rows."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pandas as pd

from models.io import to_jsonable


def webhook_payload(alerts: pd.DataFrame, as_of: pd.Timestamp, weeks: int) -> dict[str, Any]:
    """Build the JSON body: a one-paragraph ``text`` and ``alerts`` as a list of rows."""
    head = (f"channelwise monitor as of {pd.Timestamp(as_of).date()}: {len(alerts)} alert(s) "
            f"in the last {weeks} weeks")
    lines = [f"- {row['kpi']} {row['segment_type']}={row['segment']}: {row['direction']} "
             f"(observed {row['observed']:.4g} vs expected {row['expected']:.4g}), "
             f"value at risk {row['value_at_risk']:,.0f}; drivers: {row['drivers'] or '-'}"
             for row in alerts.head(10).to_dict(orient="records")]
    return {"text": "\n".join([head + ("." if alerts.empty else ":"), *lines]),
            "alerts": to_jsonable(alerts.to_dict(orient="records"))}


def post_json(url: str, payload: dict[str, Any], timeout: float = 10.0, attempts: int = 3,
              backoff: float = 0.5) -> str | None:
    """POST ``payload``; retry on errors and timeouts. Return None, or what went wrong."""
    body = json.dumps(payload, sort_keys=True).encode("utf-8")
    failures: list[str] = []
    for attempt in range(attempts):
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if 200 <= response.status < 300:
                    return None
                failures.append(f"HTTP {response.status}")
        except urllib.error.HTTPError as error:
            failures.append(f"HTTP {error.code}")
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            failures.append("timed out" if isinstance(reason, TimeoutError) else str(reason))
        if attempt + 1 < attempts:
            time.sleep(backoff * 2**attempt)
    return f"{attempts} attempt(s) failed: {', '.join(failures)}"
