"""Examples of using the notification center's components in pages of your own."""
