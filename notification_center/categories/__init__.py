"""Categories: the kinds of notification operators define (name, description, critical)."""
