"""RabbitMQ through aio-pika: durable queues, publisher confirms, manual acknowledgement.

A message is acknowledged only after its handler's effect is stored; a worker that dies holding
one (SIGKILL, a lost connection) never acks it, and RabbitMQ delivers it again to another
consumer. A failed job is re-published to a retry queue whose TTL is its backoff and whose
dead-letter route leads back to the main queue; after the last try it is dead-lettered in the
database (chirp.jobs.runner). See docs/timelines.md for why RabbitMQ.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

PUBLISH_TIMEOUT = 5.0


class BrokerUnavailable(Exception):
    """RabbitMQ cannot be reached (or dropped us) right now; try again later."""


class RabbitBroker:
    def __init__(self, url: str, queue: str, retry_seconds: float, max_attempts: int) -> None:
        self.url = url
        self.queue_name = queue
        self.delays = [retry_seconds * 2**n for n in range(max(1, max_attempts - 1))]
        self._connection: AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractRobustChannel | None = None
        self._lock = asyncio.Lock()

    def retry_queue(self, level: int) -> str:
        return f"{self.queue_name}.retry.{level}"

    async def _ready(self) -> aio_pika.abc.AbstractRobustChannel:
        async with self._lock:
            if self._channel is None or self._channel.is_closed:
                # One robust connection per process: it reconnects by itself after an outage,
                # so a closed channel gets a new channel on it, never a second connection.
                if self._connection is None or self._connection.is_closed:
                    if self._connection is not None:
                        await self._connection.close()
                    self._connection = await aio_pika.connect_robust(
                        self.url, timeout=PUBLISH_TIMEOUT
                    )
                channel = await self._connection.channel(publisher_confirms=True)
                await channel.declare_queue(self.queue_name, durable=True)
                for level, delay in enumerate(self.delays):
                    await channel.declare_queue(
                        self.retry_queue(level),
                        durable=True,
                        arguments={
                            "x-message-ttl": int(delay * 1000),
                            "x-dead-letter-exchange": "",
                            "x-dead-letter-routing-key": self.queue_name,
                        },
                    )
                self._channel = channel
            return self._channel

    async def publish(self, job: dict[str, Any], attempt: int = 0) -> None:
        """Publish and wait for the broker's confirm; retries go through the delay queues."""
        try:
            await self._publish(job, attempt)
        except (OSError, TimeoutError, RuntimeError, aio_pika.exceptions.AMQPError) as exc:
            # aiormq says "connection closed" with a RuntimeError while it reconnects.
            raise BrokerUnavailable(repr(exc)) from exc

    async def _publish(self, job: dict[str, Any], attempt: int) -> None:
        channel = await self._ready()
        message = aio_pika.Message(
            orjson.dumps(job),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            content_type="application/json",
            headers={"x-attempt": attempt},
        )
        route = (
            self.queue_name
            if attempt == 0
            else self.retry_queue(min(attempt - 1, len(self.delays) - 1))
        )
        await asyncio.wait_for(
            channel.default_exchange.publish(message, routing_key=route), PUBLISH_TIMEOUT
        )

    async def consume(
        self,
        handle: Callable[[dict[str, Any], int, AbstractIncomingMessage], Awaitable[None]],
        prefetch: int,
    ) -> None:
        channel = await self._ready()
        await channel.set_qos(prefetch_count=prefetch)
        queue = await channel.declare_queue(self.queue_name, durable=True)

        async def on_message(message: AbstractIncomingMessage) -> None:
            attempt = int(str((message.headers or {}).get("x-attempt", 0) or 0))
            await handle(orjson.loads(message.body), attempt, message)

        await queue.consume(on_message, no_ack=False)

    async def depth(self) -> int:
        channel = await self._ready()
        queue = await channel.declare_queue(self.queue_name, durable=True, passive=True)
        return int(queue.declaration_result.message_count or 0)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = None
