/**
 * The transcript: a keyed list of cards. Each render walks `state.order`, creates cards for new
 * entries, updates only the cards whose entry object changed, removes the rest, and keeps the view
 * pinned to the bottom while the user is there — and scrolls a newly sent prompt into view
 * (render/scroll.ts also shows "Jump to latest" and the off-screen approval pill).
 */
import type { Entry, ViewState } from "../state";
import { createCard } from "./cards";
import type { Card, RenderContext } from "./common";
import { ScrollFollower } from "./scroll";

export class TranscriptView {
  private readonly cards = new Map<string, { card: Card<Entry>; entry: Entry }>();
  /** Follows new output, and the "Jump to latest" / approval indicators (put `follower.el` over the transcript). */
  readonly follower: ScrollFollower;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly list: HTMLElement,
    private readonly ctx: RenderContext,
    private readonly onFocusLost: () => void,
  ) {
    this.follower = new ScrollFollower(scroller);
  }

  render(state: ViewState): void {
    const stick = this.follower.atBottom();
    let sentPrompt = false;
    const wanted = new Set(state.order);
    let lostFocus = false;
    for (const [id, { card }] of this.cards) {
      if (wanted.has(id)) continue;
      if (card.el.contains(document.activeElement)) lostFocus = true;
      card.el.remove();
      this.cards.delete(id);
    }
    let prev: Element | null = null;
    for (const id of state.order) {
      const entry = state.entries[id];
      if (!entry) continue;
      let slot = this.cards.get(id);
      if (!slot || slot.card.el.dataset["kind"] !== entry.kind) {
        slot?.card.el.remove();
        slot = { card: createCard(entry, this.ctx), entry };
        this.cards.set(id, slot);
        if (entry.kind === "user" && entry.turnId !== null) sentPrompt = true; // live, not a resumed transcript
      } else if (slot.entry !== entry) {
        slot.card.update(entry);
        slot.entry = entry;
      }
      const expected: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (expected !== slot.card.el) this.list.insertBefore(slot.card.el, expected);
      prev = slot.card.el;
    }
    this.follower.rendered(stick || sentPrompt);
    if (lostFocus) this.onFocusLost();
  }

  get size(): number {
    return this.cards.size;
  }
}
