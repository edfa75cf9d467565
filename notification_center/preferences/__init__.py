"""Preferences: per user and category, whether a notification toasts, sounds, or shows a
desktop notification. Muting only silences: the inbox always keeps the notification."""
