"""Look of the UI in one place: colours per notification type and priority, shared sizes.

Colours are Radix Themes accent names, so light and dark mode both work.
"""

from __future__ import annotations

PAGE_MAX_WIDTH = "56rem"

# Notification type -> (accent colour, lucide icon name).
TYPE_STYLES: dict[str, tuple[str, str]] = {
    "info": ("blue", "info"),
    "success": ("green", "circle-check"),
    "warning": ("amber", "triangle-alert"),
    "alert": ("red", "siren"),
    "message": ("violet", "message-square"),
}
DEFAULT_TYPE = "info"

# Priority -> badge colour; `normal` shows no badge (it is what most things are).
PRIORITY_COLORS: dict[str, str] = {
    "low": "gray",
    "high": "orange",
    "urgent": "red",
}

# Connection indicator: data-state -> (text, colour, lucide icon). Icons, not emoji: emoji
# show as empty boxes where no emoji font is installed and are read aloud oddly.
CONNECTION_LABELS: dict[str, tuple[str, str, str]] = {
    "connected": ("Connected", "green", "wifi"),
    "connecting": ("Connecting…", "amber", "loader-circle"),
    "disconnected": ("Disconnected", "red", "wifi-off"),
}

page_style = {
    "width": "100%",
    "max_width": PAGE_MAX_WIDTH,
    "margin_x": "auto",
    "padding_x": ["0.75rem", "1rem", "1.5rem"],
    "padding_y": ["0.75rem", "1rem", "1.5rem"],
}

card_style = {
    "width": "100%",
    "padding": ["0.75rem", "1rem"],
}

# Plain-text blocks: long words (URLs, ids) wrap instead of widening the page on phones.
plain_text_style = {
    "white_space": "pre-wrap",
    "overflow_wrap": "anywhere",
}

# Native <select> and <input> elements, styled like Radix's text fields: keyboard- and
# phone-friendly, and a plain value for the form.
native_control_style = {
    "height": "var(--space-6)",
    "padding": "0 0.5rem",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "font_size": "var(--font-size-2)",
}
native_select_style = {**native_control_style, "width": "100%"}

# A form control whose field the last refusal named (it carries aria-invalid="true"). Radix
# puts a text field's style on its wrapper and the attributes on the <input> inside: hence :has.
invalid_style = {
    "&[aria-invalid='true'], &:has(> input[aria-invalid='true'])": {
        "outline": "2px solid var(--red-9)",
        "outline_offset": "-1px",
    },
}
