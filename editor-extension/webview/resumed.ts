/**
 * A resumed thread's transcript as the live stream showed it: `tandem/thread/resume`'s items and
 * turns (each naming its items, with its status, error, usage and diff) turned into the steps the
 * page's reducer replays — each item with its turn, and after a turn's items the turn's end
 * (the "Turn completed / failed" line with its diff summary), exactly as `tandem/item/completed`
 * and `tandem/turn/completed` built them live. No DOM here.
 */
import type { Item, ResumedTurn } from "../src/shared/protocolTypes";

/** One step of the replay. */
export type ResumeStep =
  | { kind: "item"; item: Item; turnId: string | null }
  /** A turn's end (`inProgress`: the turn still runs; the page shows it as running). */
  | { kind: "turnEnd"; turn: ResumedTurn };

/**
 * The replay of a resumed transcript, in order. Turns are placed after their last item; a turn
 * with no items comes where the turns' order puts it (before the next turn's items). Without
 * `turns` (an older server, or a fork's copied transcript) the items alone, with no turn.
 */
export function resumeSteps(items: readonly Item[], turns: readonly ResumedTurn[] | undefined): ResumeStep[] {
  if (!turns || turns.length === 0) return items.map((item) => ({ kind: "item", item, turnId: null }));
  const turnOf = new Map<string, number>();
  turns.forEach((turn, index) => {
    for (const id of turn.itemIds ?? []) turnOf.set(id, index);
  });
  const steps: ResumeStep[] = [];
  let closed = 0; // turns[0 .. closed) have had their end emitted
  let open = -1; // the turn whose items are being emitted
  const closeUpTo = (end: number): void => {
    for (; closed < end; closed++) steps.push({ kind: "turnEnd", turn: turns[closed]! });
  };
  for (const item of items) {
    const index = turnOf.get(item.id);
    if (index !== undefined && index !== open) {
      closeUpTo(index); // the turns before this one are over
      open = index;
    }
    steps.push({ kind: "item", item, turnId: index !== undefined ? turns[index]!.id : null });
  }
  closeUpTo(turns.length);
  return steps;
}
