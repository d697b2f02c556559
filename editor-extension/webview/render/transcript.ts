/**
 * The transcript: a keyed list of cards. Each render walks `state.order`, creates cards for new
 * entries, updates only the cards whose entry object changed, removes the rest, and keeps the view
 * pinned to the bottom while the user is there.
 */
import type { Entry, ViewState } from "../state";
import { createCard } from "./cards";
import type { Card, RenderContext } from "./common";

export class TranscriptView {
  private readonly cards = new Map<string, { card: Card<Entry>; entry: Entry }>();

  constructor(
    private readonly scroller: HTMLElement,
    private readonly list: HTMLElement,
    private readonly ctx: RenderContext,
    private readonly onFocusLost: () => void,
  ) {}

  render(state: ViewState): void {
    const stick = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 48;
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
      } else if (slot.entry !== entry) {
        slot.card.update(entry);
        slot.entry = entry;
      }
      const expected: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (expected !== slot.card.el) this.list.insertBefore(slot.card.el, expected);
      prev = slot.card.el;
    }
    if (stick) this.scroller.scrollTop = this.scroller.scrollHeight;
    if (lostFocus) this.onFocusLost();
  }

  get size(): number {
    return this.cards.size;
  }
}
