"""API keys: credentials for services that send notifications without a browser session."""
