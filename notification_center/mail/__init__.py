"""Email: users' confirmed addresses, the email channel, and the SMTP sender. A send writes one
delivery row per notification (channel.py), due at once, after the "unread" delay or at the end
of the digest period; the scheduler drains them (scheduling/deliveries.py), cancels the ones
read in the app meanwhile, and sends the rest through NC_SMTP_URL (sender.py). Nothing is sent
inside a request except the address confirmation mail."""
