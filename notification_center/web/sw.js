/**
 * The notification center's service worker (served at /sw.js, scope "/").
 *
 * It only handles Web Push: a push's JSON payload (notification_center/push/payload.py:
 * {title, body, id, url, tag}) becomes a system notification, and a click on it records
 * the click (which marks the notification read in every tab, through the API) and brings
 * the app forward at the notification's link. It has no fetch handler, so pages, the
 * stream and the event socket never go through it.
 *
 * Text only: the Notifications API draws title and body as plain text, and nothing here
 * builds HTML. The link is followed only when it stays on this origin (the server already
 * keeps a notification's `url` to safe links; an outside link opens the inbox instead).
 */
"use strict";

const ICON = "/favicon.ico";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

/** The payload of a push event, or null when it is not ours (not JSON, no title). */
function readPayload(data) {
  if (!data) return null;
  try {
    const payload = data.json();
    if (payload && typeof payload.title === "string" && typeof payload.id === "string") return payload;
  } catch (error) {
    // Not JSON: not from this server.
  }
  return null;
}

/** Show one push; a payload with a tag (the notification's groupKey) replaces the last one. */
function showPush(payload) {
  const options = {
    body: typeof payload.body === "string" ? payload.body : "",
    icon: ICON,
    data: { id: payload.id, url: typeof payload.url === "string" ? payload.url : "/" },
  };
  if (typeof payload.tag === "string" && payload.tag) {
    options.tag = payload.tag;
    options.renotify = true;
  }
  return self.registration.showNotification(payload.title, options).then(() => tellPages({ type: "nc-push-shown", id: payload.id }));
}

/** A same-origin path for the link, else the inbox. */
function safeTarget(url) {
  try {
    const target = new URL(url || "/", self.location.origin);
    if (target.origin === self.location.origin) return target.pathname + target.search + target.hash;
  } catch (error) {
    // An unparsable link: the inbox.
  }
  return "/";
}

function tellPages(message) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((pages) => {
    for (const page of pages) page.postMessage(message);
  });
}

/** A click: record it (read in every tab), then focus an open tab at the link or open one. */
function handleClick(notification) {
  const data = notification.data || {};
  notification.close();
  const target = safeTarget(data.url);
  const recorded = typeof data.id === "string"
    ? fetch("/api/push/clicks", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ notificationId: data.id }),
      }).catch(() => null)
    : Promise.resolve(null);
  const shown = self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(async (pages) => {
    const page = pages.find((candidate) => new URL(candidate.url).origin === self.location.origin);
    if (!page) return self.clients.openWindow(target);
    try {
      await page.focus();
    } catch (error) {
      // Focus needs the click's user activation; the tab is navigated all the same.
    }
    if (new URL(page.url).pathname !== target && "navigate" in page) return page.navigate(target).catch(() => page);
    return page;
  });
  return Promise.all([recorded, shown.catch(() => null)]);
}

self.addEventListener("push", (event) => {
  const payload = readPayload(event.data);
  if (payload) event.waitUntil(showPush(payload));
});

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(handleClick(event.notification));
});
