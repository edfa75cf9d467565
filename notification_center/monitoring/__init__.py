"""What the operator console's charts read: connection samples, the delivery-latency
histogram, and per-minute series built from them and from the sent history. Everything
is kept in the database, so every worker and node draws the same charts."""
