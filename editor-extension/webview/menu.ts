/**
 * A popup listbox driven from a text field (ARIA combobox pattern): the field keeps focus and
 * points at the active option with `aria-activedescendant`; arrows move, Enter/Tab choose,
 * Escape closes (the field's keydown handler calls `handleKey`).
 */
import { h, uid } from "./dom";

export interface MenuItem {
  label: string;
  detail?: string;
  /** Shown but not choosable ("Searching…", "No matching files"). */
  inert?: boolean;
  choose?: () => void;
}

export class PopupMenu {
  readonly el: HTMLUListElement;
  private items: MenuItem[] = [];
  private options: HTMLLIElement[] = [];
  private active = -1;
  private readonly idPrefix = uid("menu-opt");

  constructor(private readonly field: HTMLElement, label: string) {
    this.el = h("ul", { class: "menu", role: "listbox", id: uid("menu"), "aria-label": label, hidden: true });
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", this.el.id);
    // Choosing with the mouse must not take focus from the field.
    this.el.addEventListener("mousedown", (e) => e.preventDefault());
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  show(items: MenuItem[], label?: string): void {
    if (label) this.el.setAttribute("aria-label", label);
    const keep = this.active >= 0 ? this.items[this.active]?.label : undefined;
    this.items = items;
    this.options = items.map((item, i) => {
      const li = h("li", {
        id: `${this.idPrefix}-${i}`,
        role: "option",
        class: item.inert ? "option inert" : "option",
        "aria-selected": "false",
        "aria-disabled": item.inert ? "true" : undefined,
        onclick: () => this.choose(i),
      }, h("span", { class: "option-label" }, item.label), item.detail ? h("span", { class: "option-detail" }, item.detail) : null);
      return li;
    });
    this.el.replaceChildren(...this.options);
    this.el.hidden = false;
    const again = keep === undefined ? -1 : items.findIndex((it) => it.label === keep && !it.inert);
    this.setActive(again >= 0 ? again : items.findIndex((it) => !it.inert));
  }

  hide(): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.items = [];
    this.options = [];
    this.active = -1;
    this.el.replaceChildren();
    this.field.removeAttribute("aria-activedescendant");
  }

  /** Handles a key of the field; true when the menu used it (the caller then prevents the default). */
  handleKey(e: KeyboardEvent): boolean {
    if (!this.isOpen) return false;
    switch (e.key) {
      case "ArrowDown":
        this.move(1);
        return true;
      case "ArrowUp":
        this.move(-1);
        return true;
      case "Enter":
      case "Tab":
        if (e.shiftKey || this.active < 0) return false;
        this.choose(this.active);
        return true;
      case "Escape":
        this.hide();
        return true;
      default:
        return false;
    }
  }

  private move(delta: number): void {
    const n = this.items.length;
    if (n === 0) return;
    let i = this.active;
    for (let step = 0; step < n; step++) {
      i = (i + delta + n) % n;
      if (!this.items[i]?.inert) break;
    }
    this.setActive(i);
  }

  private setActive(i: number): void {
    this.options.forEach((o, j) => o.setAttribute("aria-selected", String(i === j)));
    this.active = i;
    const opt = this.options[i];
    if (opt && !this.items[i]?.inert) {
      this.field.setAttribute("aria-activedescendant", opt.id);
      opt.scrollIntoView({ block: "nearest" });
    } else {
      this.active = -1;
      this.field.removeAttribute("aria-activedescendant");
    }
  }

  private choose(i: number): void {
    const item = this.items[i];
    if (!item || item.inert) return;
    this.hide();
    item.choose?.();
  }
}
