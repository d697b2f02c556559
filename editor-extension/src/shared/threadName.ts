/**
 * A thread's name, shared by the thread picker (host) and the chat page: its first prompt on one
 * line (the server's `preview`, set when the first turn starts), else "New thread".
 */

/** What a thread without a first prompt yet is called. */
export const UNNAMED_THREAD = "New thread";

/**
 * The name of a thread.
 *
 * @param thread anything with the server's `preview` (a `ThreadInfo`).
 * @param max the longest name, in characters (longer ones end in "…").
 */
export function threadName(thread: { preview?: string | null } | null | undefined, max = 80): string {
  const line = (thread?.preview ?? "").replace(/\s+/g, " ").trim();
  if (!line) return UNNAMED_THREAD;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
