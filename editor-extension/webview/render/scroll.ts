/**
 * Where the transcript is scrolled, and the two indicators that keep the user oriented:
 *
 * - The view follows new output while the user is at the bottom; a prompt the user sends is
 *   always scrolled into view (and following resumes).
 * - Scrolled up, a **Jump to latest** button appears at the bottom of the transcript.
 * - A pending approval card off screen shows an **Approval needed ↓** (or ↑) pill; clicking it
 *   scrolls the card into view and focuses its first button. An approval is never off screen
 *   without it.
 */
import { h } from "../dom";

/** Closer than this (px) to the bottom counts as "at the bottom". */
export const STICK_PX = 48;

/** Which way the nearest off-screen approval is, or null when every pending approval is visible. */
export type ApprovalDirection = "above" | "below" | null;

/**
 * Where the first pending approval card whose buttons are not in view lies relative to the
 * viewport `view` (boxes in the same coordinates; a card counts as seen when its bottom — where its
 * buttons are — is on screen). Null when every card is seen.
 */
export function approvalDirection(view: { top: number; bottom: number }, cards: { top: number; bottom: number }[]): ApprovalDirection {
  for (const card of cards) {
    const buttonsSeen = card.bottom <= view.bottom + 1 && card.bottom >= view.top + 24;
    if (buttonsSeen) continue;
    return card.bottom > view.bottom ? "below" : "above";
  }
  return null;
}

export class ScrollFollower {
  /** The overlay with the indicators; place it over the bottom of the transcript. */
  readonly el: HTMLElement;
  private readonly jump: HTMLButtonElement;
  private readonly pill: HTMLButtonElement;
  private frame = 0;

  constructor(private readonly scroller: HTMLElement) {
    this.jump = h("button", {
      class: "secondary jump-latest", type: "button", hidden: true, title: "Scroll to the newest message",
      onclick: () => this.toBottom("smooth"),
    }, "Jump to latest ↓");
    this.pill = h("button", {
      class: "approval-pill", type: "button", hidden: true,
      onclick: () => this.revealApproval(),
    });
    this.el = h("div", { class: "scroll-indicators" }, this.pill, this.jump);
    scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    if (typeof ResizeObserver === "function") new ResizeObserver(() => this.schedule()).observe(scroller);
  }

  /** Whether the view is at (or within {@link STICK_PX} of) the bottom. */
  atBottom(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < STICK_PX;
  }

  /** Scroll to the newest entry. */
  toBottom(behavior: ScrollBehavior = "auto"): void {
    const s = this.scroller;
    if (behavior === "smooth" && typeof s.scrollTo === "function") s.scrollTo({ top: s.scrollHeight, behavior });
    else s.scrollTop = s.scrollHeight;
    this.update();
  }

  /** After the transcript rendered: follow when `follow`, then refresh the indicators. */
  rendered(follow: boolean): void {
    if (follow) this.scroller.scrollTop = this.scroller.scrollHeight;
    this.update();
  }

  /** Recompute both indicators now. */
  update(): void {
    this.jump.hidden = this.atBottom();
    const direction = approvalDirection(this.viewBox(), this.pendingCards().map((c) => this.box(c)));
    this.pill.hidden = direction === null;
    if (direction !== null) {
      this.pill.textContent = direction === "below" ? "Approval needed ↓" : "Approval needed ↑";
      this.pill.setAttribute("aria-label", `An approval is waiting ${direction === "below" ? "below" : "above"}: show it`);
    }
    this.el.classList.toggle("has-pill", direction !== null);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update();
    });
  }

  private pendingCards(): HTMLElement[] {
    return [...this.scroller.querySelectorAll<HTMLElement>("section.approval:not(.answered)")];
  }

  private viewBox(): { top: number; bottom: number } {
    const r = this.scroller.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom };
  }

  private box(el: HTMLElement): { top: number; bottom: number } {
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom };
  }

  private revealApproval(): void {
    const view = this.viewBox();
    const card = this.pendingCards().find((c) => approvalDirection(view, [this.box(c)]) !== null) ?? this.pendingCards()[0];
    if (!card) return;
    card.scrollIntoView({ block: "nearest" });
    card.querySelector<HTMLButtonElement>(".actions button:not(:disabled)")?.focus({ preventScroll: true });
    this.update();
  }
}
