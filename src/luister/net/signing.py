"""luister's request signature, on its outbound webhooks and on the pushes it receives: the HMAC-SHA256,
with a shared secret, of ``<unix seconds>.<body>``, sent as ``X-Luister-Timestamp`` and
``X-Luister-Signature: sha256=<hex>``."""

from __future__ import annotations

import hashlib
import hmac


def signature_headers(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Luister-Timestamp": str(timestamp), "X-Luister-Signature": f"sha256={digest}"}
