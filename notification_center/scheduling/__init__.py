"""One scheduling mechanism for every time-based feature: scheduled sends, snoozes
returning, expiries, retention.

Due times live in the shared database, in the rows they belong to: `scheduled_sends.send_at`,
a notification's `snoozed_until` and `expires_at`, and its `created_at` for retention. Each
worker runs one `Scheduler` task (runner.py) that polls every `NC_SCHEDULER_INTERVAL_SECONDS`
and lets each kind of `DueWork` claim a batch of due rows with `claim_due` (claim.py):
`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional UPDATE under SQLite's single write
lock. Claiming marks the rows done in the same transaction that does the work, so however
many workers and nodes poll, each row is handled once, and a restart loses nothing: what was
due while no process ran is still due when one starts. Events are published after the commit.
"""
