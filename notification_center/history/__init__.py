"""The sent history: one row per send, figures counted from its notifications, and the
per-worker delivery recorder that stamps `delivered_at` when a stream first writes one."""
