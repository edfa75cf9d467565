"""Prometheus metrics (prometheus_client), served at GET /metrics.

Each worker process reports its own numbers; scrape every worker or aggregate with
labels of your deployment. See README "Metrics".
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONNECTIONS = Gauge("nc_stream_connections", "Open notification streams in this process")
NOTIFICATIONS_SENT = Counter("nc_notifications_sent_total", "Notifications persisted and published")
EVENTS_DELIVERED = Counter("nc_stream_events_delivered_total", "Events written to streams", ["type"])
STREAMS_DROPPED = Counter("nc_stream_dropped_total", "Streams ended by the server", ["reason"])
WS_MESSAGES_REFUSED = Counter(
    "nc_ws_messages_refused_total", "WebSocket client messages that closed their stream", ["reason"]
)
DELIVERY_LATENCY = Histogram(
    "nc_delivery_latency_seconds",
    "From a notification's creation to its write on a live stream",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
PUSH_DELIVERIES = Counter(
    "nc_channel_deliveries_total", "Delivery attempts settled on outside channels, by outcome", ["channel", "status"]
)
SCHEDULED_DONE = Counter(
    "nc_scheduled_items_total", "Due items handled by this process's scheduler (claimed once cluster-wide)", ["work"]
)
SCHEDULER_LAG = Histogram(
    "nc_scheduler_lag_seconds",
    "From an item's due time to its claim by the scheduler",
    ["work"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
RETENTION_PURGED = Counter("nc_retention_purged_total", "Rows deleted by retention (NC_RETENTION_DAYS)", ["table"])
# Written by the event-loop watchdog's thread (monitoring/watchdog.py), not by the loop.
LOOP_STALLS = Counter(
    "nc_event_loop_stalls_total", "Times this worker's event loop stopped answering for NC_LOOP_STALL_SECONDS"
)
LOOP_STALLED_SECONDS = Gauge("nc_event_loop_stalled_seconds", "Age of the loop's current stall; 0 while it answers")
LOOP_LAST_STALL_SECONDS = Gauge("nc_event_loop_last_stall_seconds", "How long the event loop's last ended stall lasted")
