/**
 * Reports whether this tab's page is visible (document.visibilityState) to
 * `onVisibilityChange({visible, initial})`: once on mount (`initial: true`), on every
 * change, and `{visible: false}` when it unmounts (the user navigated to another page).
 * Renders nothing.
 *
 * The notification center marks its list seen when the user comes back to a visible page,
 * and a notification arriving while the page is visible as seen at once; one arriving in a
 * background tab stays unseen (and counted in the unseen badge) until then.
 */
import { useEffect, useRef } from "react";

export function PageVisibility({ onVisibilityChange }) {
  const callback = useRef(onVisibilityChange);
  callback.current = onVisibilityChange;
  useEffect(() => {
    const report = (initial) => {
      if (callback.current) callback.current({ visible: document.visibilityState === "visible", initial });
    };
    const onChange = () => report(false);
    report(true);
    document.addEventListener("visibilitychange", onChange);
    return () => {
      document.removeEventListener("visibilitychange", onChange);
      if (callback.current) callback.current({ visible: false, initial: false });
    };
  }, []);
  return null;
}
