"""What a new notification does besides joining the list: toast, sound, desktop notification.

Each returns an event for the browser, built by components/browser_events.py: text from
notifications is made inert for Reflex and only ever passed as a JavaScript literal (never
spliced into HTML or code), so a title like `<img src=x onerror=...>` or Reflex's Var tag
stays text.
"""

from __future__ import annotations

from typing import Protocol

from reflex.event import EventSpec

from notification_center.components import browser_events

TOAST_SECONDS = 8
URGENT = "urgent"


class Alertable(Protocol):
    id: str
    type: str
    priority: str
    title: str
    content: str


def toast(item: Alertable) -> EventSpec:
    """A sonner toast with title and content; urgent ones stay until dismissed."""
    level = {"success": "success", "warning": "warning", "alert": "error"}.get(item.type, "info")
    return browser_events.toast(
        level,  # type: ignore[arg-type]
        item.title,
        description=item.content or None,
        id=item.id,
        close_button=True,
        duration=float("inf") if item.priority == URGENT else TOAST_SECONDS * 1000,
    )


# One short beep per second at most across all tabs of the browser (each tab receives the
# notification; only the first to claim the slot in localStorage plays).
_SOUND_JS = """
(() => {
  try {
    const now = Date.now();
    if (now - Number(localStorage.getItem("nc_sound_at") || 0) < 1000) return;
    localStorage.setItem("nc_sound_at", String(now));
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    const ctx = window.__ncAudio || (window.__ncAudio = new Context());
    if (ctx.state === "suspended") ctx.resume();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = __PITCH__;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.4);
  } catch (error) {
    console.debug("notification sound failed", error);
  }
})()
"""


def sound(priority: str = "normal") -> EventSpec:
    return browser_events.script(_SOUND_JS, pitch=1175 if priority == URGENT else 880)


# Only for hidden tabs; `tag` makes the browser show one desktop notification even when
# several hidden tabs of this app receive the same notification.
_DESKTOP_JS = """
(() => {
  if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
  try {
    new Notification(__TITLE__, {body: __BODY__, tag: __TAG__});
  } catch (error) {
    console.debug("desktop notification failed", error);
  }
})()
"""


def desktop_script(item: Alertable) -> str:
    return browser_events.fill(_DESKTOP_JS, title=item.title, body=item.content, tag=item.id)


def desktop(item: Alertable) -> EventSpec:
    return browser_events.script(desktop_script(item))


# Resolves to "granted", "denied", "default" or "unsupported".
REQUEST_DESKTOP_PERMISSION_JS = """
(async () => {
  if (!("Notification" in window)) return "unsupported";
  if (Notification.permission !== "default") return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch (error) {
    return "denied";
  }
})()
"""
