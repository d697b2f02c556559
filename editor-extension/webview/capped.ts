/**
 * Bounded text for command output: the first `headMax` characters and the last `tailMax` are
 * kept, the middle is counted. A command that prints megabytes keeps the page (and its DOM) small.
 */

export interface CappedText {
  readonly head: string;
  readonly tail: string;
  /** Characters dropped between head and tail. */
  readonly omitted: number;
}

export const HEAD_MAX = 4_000;
export const TAIL_MAX = 16_000;
export const EMPTY_TEXT: CappedText = { head: "", tail: "", omitted: 0 };

// CSI / OSC escape sequences (colours, cursor moves, titles) and stray carriage returns of progress bars.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** `text` without terminal escape sequences; `\r\n` becomes `\n`. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "").replace(/\r\n/g, "\n");
}

/** `buf` with `delta` appended, still within the limits. */
export function appendCapped(buf: CappedText, delta: string, headMax = HEAD_MAX, tailMax = TAIL_MAX): CappedText {
  if (delta === "") return buf;
  let head = buf.head;
  let rest = delta;
  if (buf.omitted === 0 && buf.tail === "" && head.length < headMax) {
    const room = headMax - head.length;
    head += rest.slice(0, room);
    rest = rest.slice(room);
    if (rest === "") return { head, tail: "", omitted: 0 };
  }
  let tail = buf.tail + rest;
  let omitted = buf.omitted;
  if (tail.length > tailMax) {
    omitted += tail.length - tailMax;
    tail = tail.slice(tail.length - tailMax);
  }
  return { head, tail, omitted };
}

/** A capped copy of `text`. */
export function cappedFrom(text: string, headMax = HEAD_MAX, tailMax = TAIL_MAX): CappedText {
  return appendCapped(EMPTY_TEXT, text, headMax, tailMax);
}

/** Total characters seen (kept + omitted). */
export function cappedLength(buf: CappedText): number {
  return buf.head.length + buf.tail.length + buf.omitted;
}

/** The whole text when nothing was dropped, else head + a marker line + tail. */
export function cappedToString(buf: CappedText): string {
  if (buf.omitted === 0) return buf.head + buf.tail;
  return `${buf.head}\n… ${buf.omitted.toLocaleString("en-US")} characters omitted …\n${buf.tail}`;
}
