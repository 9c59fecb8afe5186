"""Verifying a Groundswell webhook delivery (docs/partners.md).

Each POST carries `Groundswell-Signature: t=<unix seconds>,v1=<hex>`, where
the hex is HMAC-SHA256 under your endpoint's secret of the timestamp, a dot
and the raw body. Check it over the raw bytes, before parsing the JSON, and
refuse old timestamps so that a captured delivery cannot be replayed later.

    python3 verify_webhook.py SECRET LOG.jsonl

checks every delivery a receiver logged (one JSON object per line with
"signature" and "body_base64") and prints `verified=N failed=M`.
"""
import base64
import hashlib
import hmac
import json
import sys
import time


def verify(secret: str, header: str, body: bytes, tolerance_seconds: int = 300, now: float | None = None) -> bool:
    """True when `header` signs `body` under `secret` within the tolerance."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_seconds:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


if __name__ == "__main__":
    secret, log = sys.argv[1], sys.argv[2]
    verified = failed = 0
    with open(log) as lines:
        for line in lines:
            delivery = json.loads(line)
            if verify(secret, delivery["signature"], base64.b64decode(delivery["body_base64"])):
                verified += 1
            else:
                failed += 1
    print(f"verified={verified}")
    print(f"failed={failed}")
