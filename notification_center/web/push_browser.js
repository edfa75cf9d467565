/**
 * This browser's side of Web Push: registers the service worker (/sw.js) and reports
 * `onStatus({supported, permission, endpoint})` on mount and whenever it changes; renders
 * nothing. `window.ncPush` holds what the page's buttons run (through rx.call_script):
 *
 * - `enable()`: asks for notification permission (a click runs it, so the browser's
 *   prompt follows a user gesture), subscribes with the server's VAPID key, and saves the
 *   subscription through POST /api/push/subscriptions. Resolves to
 *   `{ok, permission, endpoint?, error?}`: the browser's own answer when it refuses.
 * - `forget(endpoint)`: unsubscribes this browser locally when `endpoint` is its own (the
 *   server row is removed by the page's handler).
 */
import { useEffect, useRef } from "react";

const supported = () =>
  typeof window !== "undefined" &&
  window.isSecureContext &&
  "serviceWorker" in navigator &&
  "PushManager" in window &&
  "Notification" in window;

let registering = null;

function register() {
  if (!registering) {
    registering = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => navigator.serviceWorker.ready);
    registering.catch(() => {
      registering = null;
    });
  }
  return registering;
}

async function currentEndpoint() {
  try {
    const registration = await register();
    const subscription = await registration.pushManager.getSubscription();
    return subscription ? subscription.endpoint : "";
  } catch (error) {
    return "";
  }
}

function keyBytes(base64url) {
  const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

const listeners = new Set();

async function status() {
  if (!supported()) return { supported: false, permission: "unsupported", endpoint: "" };
  return { supported: true, permission: Notification.permission, endpoint: await currentEndpoint() };
}

async function announce() {
  const now = await status();
  for (const listener of listeners) listener(now);
  return now;
}

const why = (error) => (error && error.message ? error.message : String(error));

async function enable() {
  if (!supported()) {
    return { ok: false, permission: "unsupported", error: "This browser cannot receive Web Push here." };
  }
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    await announce();
    return {
      ok: false,
      permission,
      error:
        permission === "denied"
          ? "Notifications are blocked for this site in the browser's settings."
          : "The browser was not given permission to notify.",
    };
  }
  try {
    const registration = await register();
    let subscription = await registration.pushManager.getSubscription();
    if (!subscription) {
      const answer = await fetch("/api/push/key", { credentials: "same-origin" });
      if (!answer.ok) return { ok: false, permission, error: `The server has no push key (${answer.status}).` };
      const { publicKey } = await answer.json();
      subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(publicKey),
      });
    }
    const saved = await fetch("/api/push/subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!saved.ok) {
      const body = await saved.json().catch(() => ({}));
      return { ok: false, permission, error: body.error || `The server refused the subscription (${saved.status}).` };
    }
    await announce();
    return { ok: true, permission, endpoint: subscription.endpoint };
  } catch (error) {
    await announce();
    return { ok: false, permission, error: `The browser's push service refused: ${why(error)}` };
  }
}

async function forget(endpoint) {
  try {
    const registration = await register();
    const subscription = await registration.pushManager.getSubscription();
    if (subscription && subscription.endpoint === endpoint) await subscription.unsubscribe();
  } catch (error) {
    // Nothing local to undo.
  }
  return announce();
}

if (typeof window !== "undefined") window.ncPush = { enable, forget, status };

export function PushBrowser({ onStatus }) {
  const callback = useRef(onStatus);
  callback.current = onStatus;
  useEffect(() => {
    const listener = (now) => callback.current && callback.current(now);
    listeners.add(listener);
    announce();
    // A permission changed in the browser's settings while the page is open.
    let permissionStatus = null;
    if (supported() && navigator.permissions) {
      navigator.permissions
        .query({ name: "notifications" })
        .then((found) => {
          permissionStatus = found;
          found.onchange = () => announce();
        })
        .catch(() => null);
    }
    return () => {
      listeners.delete(listener);
      if (permissionStatus) permissionStatus.onchange = null;
    };
  }, []);
  return null;
}
