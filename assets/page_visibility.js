/**
 * Reports whether this tab's page is visible (document.visibilityState), on mount and on
 * every change, to `onVisibilityChange(visible)`, and `false` when it unmounts (the user
 * navigated to another page). Renders nothing.
 *
 * The notification center marks what its list shows as seen only while the page is
 * visible: a notification that arrives in a background tab stays unseen (and counted in
 * the unseen badge) until the tab is looked at.
 */
import { useEffect, useRef } from "react";

export function PageVisibility({ onVisibilityChange }) {
  const callback = useRef(onVisibilityChange);
  callback.current = onVisibilityChange;
  useEffect(() => {
    const report = () => {
      if (callback.current) callback.current(document.visibilityState === "visible");
    };
    report();
    document.addEventListener("visibilitychange", report);
    return () => {
      document.removeEventListener("visibilitychange", report);
      // Leaving the page (client-side navigation): its list is no longer shown.
      if (callback.current) callback.current(false);
    };
  }, []);
  return null;
}
