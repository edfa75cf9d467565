"""Web Push (RFC 8030 / 8291 / 8292): browsers' subscriptions, the push channel, and the
sender. A send writes one delivery row per notification (channel.py); the scheduler drains
them (scheduling/deliveries.py) and POSTs an encrypted, VAPID-signed message to each of the
user's subscriptions (sender.py). Nothing is sent inside a request."""
