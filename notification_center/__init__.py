"""Notification Center: real-time notifications over SSE, built with Reflex."""
