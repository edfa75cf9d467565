/**
 * Arrow-key movement between the items of the bell's inbox (WAI-ARIA "list with
 * keyboard navigation"): ArrowDown / ArrowUp go to the next / previous item, Home / End to
 * the first / last. Items are the elements marked `data-bell-item` (tabIndex -1, so Tab
 * still walks the controls in order). Runs in the browser only: a round trip to the server
 * per key press would make focus lag.
 */
import { createElement, useCallback } from "react";

const ITEM = "[data-bell-item]";
const MOVES = { ArrowDown: 1, ArrowUp: -1, Home: "first", End: "last" };

export function BellKeyNav({ children, ...props }) {
  const onKeyDown = useCallback((event) => {
    const move = MOVES[event.key];
    if (move === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
    const items = Array.from(event.currentTarget.querySelectorAll(ITEM));
    if (items.length === 0) return;
    const current = items.findIndex((el) => el.contains(document.activeElement));
    let next;
    if (move === "first") next = 0;
    else if (move === "last") next = items.length - 1;
    else if (current < 0) next = move > 0 ? 0 : items.length - 1;
    else next = Math.min(items.length - 1, Math.max(0, current + move));
    event.preventDefault();
    items[next].focus();
    items[next].scrollIntoView({ block: "nearest" });
  }, []);
  return createElement("div", { ...props, onKeyDown }, children);
}

export default BellKeyNav;
