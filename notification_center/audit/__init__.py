"""The audit log: who signed in (or failed to), managed API keys, and sent what."""
