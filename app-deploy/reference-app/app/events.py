"""Redis pub/sub for server-sent events (redis-py 6, ``redis.asyncio``).

Two clients: one for commands (PING, PUBLISH) with a short socket timeout, and
one for subscriptions whose connections must be able to sit idle.
"""
import asyncio
import json
import logging
from typing import Optional

import redis.asyncio as aioredis

from .settings import Settings, mask_url

log = logging.getLogger("tableorder.events")


class RedisNotConfigured(RuntimeError):
    pass


async def _aclose(obj) -> None:
    """Close a client or PubSub (redis-py >= 5: ``aclose``; ``close`` is deprecated)."""
    if obj is not None:
        await obj.aclose()


class EventBus:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._commands: Optional[aioredis.Redis] = None
        self._subscriber: Optional[aioredis.Redis] = None
        if settings.redis_url:
            tls = settings.redis_tls_options()
            if not tls:
                verified = "tls off"
            elif "ssl_ca_certs" in tls:
                verified = "tls, certificate verified against %s" % tls["ssl_ca_certs"]
            else:
                verified = "tls, certificate verified against the system CA store"
            log.info("redis configured at %s (%s)", mask_url(settings.redis_url), verified)

    def _client(self, subscriber: bool) -> aioredis.Redis:
        if not self.settings.redis_url:
            raise RedisNotConfigured("REDIS_URL is not set")
        if subscriber:
            if self._subscriber is None:
                self._subscriber = aioredis.from_url(
                    self.settings.redis_url,
                    socket_connect_timeout=self.settings.redis_connect_timeout,
                    socket_keepalive=True,
                    health_check_interval=30,
                    decode_responses=True,
                    **self.settings.redis_tls_options(),
                )
            return self._subscriber
        if self._commands is None:
            self._commands = aioredis.from_url(
                self.settings.redis_url,
                socket_connect_timeout=self.settings.redis_connect_timeout,
                socket_timeout=self.settings.health_timeout,
                socket_keepalive=True,
                decode_responses=True,
                **self.settings.redis_tls_options(),
            )
        return self._commands

    async def ping(self) -> None:
        client = self._client(subscriber=False)
        ok = await asyncio.wait_for(client.ping(), timeout=self.settings.health_timeout)
        if not ok:
            raise RuntimeError("PING returned %r" % (ok,))

    async def publish(self, redis_channel: str, payload) -> int:
        """Publish JSON to a Redis channel by its full name (channels.py); returns the receivers."""
        client = self._client(subscriber=False)
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return int(
            await asyncio.wait_for(
                client.publish(redis_channel, data), timeout=self.settings.health_timeout
            )
        )

    async def subscribe(self, redis_channel: str):
        """Return a PubSub already subscribed to the Redis channel (full name, confirmed by Redis)."""
        client = self._client(subscriber=True)
        pubsub = client.pubsub()
        try:
            await asyncio.wait_for(
                pubsub.subscribe(redis_channel), timeout=self.settings.health_timeout
            )
            # Wait for Redis' subscribe confirmation so "ready" really means live.
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.settings.health_timeout
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError("no subscribe confirmation from redis")
                msg = await pubsub.get_message(timeout=min(remaining, 0.5))
                if msg and msg.get("type") == "subscribe":
                    break
        except BaseException:
            await close_pubsub(pubsub)
            raise
        return pubsub

    async def close(self) -> None:
        for client in (self._commands, self._subscriber):
            try:
                await _aclose(client)
            except Exception:  # pragma: no cover - shutdown best effort
                pass
        self._commands = None
        self._subscriber = None


async def close_pubsub(pubsub) -> None:
    if pubsub is None:
        return
    try:
        if getattr(pubsub, "connection", None) is not None:
            await asyncio.wait_for(pubsub.unsubscribe(), timeout=1.0)
    except Exception:
        pass
    try:
        await _aclose(pubsub)
    except Exception:
        pass
