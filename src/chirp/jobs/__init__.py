"""Jobs: the durable outbox, its relay, the broker, and the workers that run the handlers."""
