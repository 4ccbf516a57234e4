/**
 * At most one log line per `intervalMs` for one kind of repeated event. The
 * first event is written at once (`count` 1); the events of the next
 * `intervalMs` are folded into one line written when that window ends, with
 * the latest event and how many it stands for. A flood costs a counter, not a
 * line per event; the exact numbers belong in metrics. The window's timer is
 * `unref`'d: it never holds the process open.
 */
export function logThrottle<E>(intervalMs: number, write: (event: E, count: number) => void): (event: E) => void {
  let windowOpen = false;
  let folded = 0;
  let latest: E | undefined;
  const closeWindow = () => {
    if (folded === 0) {
      windowOpen = false;
      return;
    }
    write(latest as E, folded);
    folded = 0;
    latest = undefined;
    // A flood that goes on keeps one line per window.
    setTimeout(closeWindow, intervalMs).unref();
  };
  return (event) => {
    if (windowOpen) {
      folded++;
      latest = event;
      return;
    }
    windowOpen = true;
    write(event, 1);
    setTimeout(closeWindow, intervalMs).unref();
  };
}
