/**
 * The composer: a growing textarea (Enter sends, Shift+Enter is a new line), @-mentions with
 * host-side file search, `$` skills (webview/skills.ts; the list comes from the host's
 * `tandem/skills/list`), slash commands, pasted images, attachment chips, Send and Stop.
 */
import type {
  InsertMessage, Mention, MentionResultsMessage, PastedImage, RestoreDraftMessage, SkillsMessage, WebviewToHost,
} from "../src/shared/webviewMessages";
import { h, uid } from "./dom";
import {
  applyMention, findMentionQuery, mentionLabel, type MentionQuery, parseSlashCommand, sameMention, type SlashCommand,
  slashMatches, type SlashName,
} from "./mentions";
import { type MenuItem, PopupMenu } from "./menu";
import { applySkill, findSkillQuery, type SkillEntry, skillInputs, skillMatches, type SkillQuery } from "./skills";

/** What the composer keeps across reloads of the page. */
export interface Draft {
  text: string;
  mentions: Mention[];
  /** Skills chosen in the `$` completion (sent as `skill` items while the text names them). */
  skills?: SkillEntry[];
}

const SEARCH_DELAY_MS = 60;
const MAX_RESULTS = 50;
const MAX_TEXTAREA_PX = 220;

export class Composer {
  readonly el: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly chips: HTMLUListElement;
  private readonly menu: PopupMenu;
  private readonly stop: HTMLButtonElement;
  private readonly sendBtn: HTMLButtonElement;
  private mentions: Mention[] = [];
  private images: PastedImage[] = [];
  private mention: MentionQuery | null = null;
  /** The `$query` being completed, the skills the host last listed (null: not yet), those chosen. */
  private skillQuery: SkillQuery | null = null;
  private skills: SkillEntry[] | null = null;
  private chosenSkills: SkillEntry[] = [];
  private requested: string | null = null;
  private results: MentionResultsMessage | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Text for which the user closed the menu with Escape (it stays closed until the text changes). */
  private dismissed: string | null = null;
  private imageCount = 0;
  /** Send is disabled while the server is not connected (the text stays in the box). */
  private connected = true;

  /** Slash commands the server supports (webview/slash.ts); until told, every known one. */
  private slashNames: readonly SlashName[] | null = null;

  /**
   * @param onSent called after a message was sent (the transcript scrolls to it).
   */
  constructor(
    private readonly post: (m: WebviewToHost) => void,
    private readonly onDraft: (d: Draft) => void,
    private readonly onSent: () => void = () => undefined,
  ) {
    const hintId = uid("composer-hint");
    this.textarea = h("textarea", {
      class: "input",
      rows: 1,
      "aria-label": "Message to Tandem",
      "aria-describedby": hintId,
      placeholder: "Ask Tandem… (@ to add a file, $ for a skill, / for commands)",
      spellcheck: "true",
    });
    this.menu = new PopupMenu(this.textarea, "Suggestions");
    this.chips = h("ul", { class: "attachments", "aria-label": "Attachments", hidden: true });
    this.stop = h("button", {
      class: "secondary stop", type: "button", "aria-label": "Stop the running turn", title: "Stop (interrupt the turn)",
      hidden: true, onclick: () => this.post({ type: "interrupt" }),
    }, h("span", { class: "stop-icon", "aria-hidden": "true" }), "Stop");
    this.sendBtn = h("button", {
      class: "primary send", type: "button", "aria-label": "Send message", title: "Send (Enter)",
      onclick: () => this.send(),
    }, "Send");
    this.el = h("footer", { class: "composer" },
      this.chips,
      h("div", { class: "input-wrap" }, this.menu.el, this.textarea),
      h("div", { class: "composer-actions" },
        h("span", { class: "hint", id: hintId }, "Enter to send · Shift+Enter for a new line"),
        h("span", { class: "spacer" }),
        this.stop,
        this.sendBtn));

    this.textarea.addEventListener("keydown", (e) => this.onKeyDown(e));
    this.textarea.addEventListener("input", () => {
      this.autosize();
      this.updateMenus();
      this.saveDraft();
    });
    this.textarea.addEventListener("click", () => this.updateMenus());
    this.textarea.addEventListener("keyup", (e) => {
      if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) this.updateMenus();
    });
    this.textarea.addEventListener("blur", () => this.menu.hide());
    this.textarea.addEventListener("paste", (e) => this.onPaste(e));
  }

  focus(): void {
    this.textarea.focus();
  }

  /** Offer only these slash commands (those the server supports). */
  setSlashCommands(names: readonly SlashName[]): void {
    this.slashNames = names;
  }

  setRunning(running: boolean): void {
    this.stop.hidden = !running;
    this.sendBtn.title = running ? "Send (Enter): added to the running turn" : "Send (Enter)";
  }

  /** Enable or disable Send (and Enter) with the server connection; typed text is kept either way. */
  setConnected(connected: boolean): void {
    this.connected = connected;
    this.sendBtn.disabled = !connected;
    this.sendBtn.title = connected ? "Send (Enter)" : "Not connected: the message is kept until the server runs";
  }

  /** A prompt the host could not send comes back (into an empty box; appended to what was typed since). */
  restoreDraft(msg: RestoreDraftMessage): void {
    const typed = this.textarea.value.trim();
    this.textarea.value = typed ? `${msg.text}\n${this.textarea.value}` : msg.text;
    for (const m of msg.mentions) this.addMention(m);
    this.autosize();
    this.saveDraft();
  }

  restore(draft: Draft): void {
    this.textarea.value = draft.text;
    this.mentions = [...draft.mentions];
    this.chosenSkills = [...(draft.skills ?? [])];
    this.renderChips();
    this.autosize();
  }

  /** The host's answer to `searchMentions`; shown when it answers what is being typed now. */
  mentionResults(msg: MentionResultsMessage): void {
    this.results = msg;
    if (this.mention && msg.query === this.mention.query) this.showMentionMenu();
  }

  /** The host's `tandem/skills/list` answer (for `listSkills` or `/skills`): the `$` completion's list. */
  skillsResults(msg: SkillsMessage): void {
    this.skills = msg.skills.map((s) => ({
      name: s.name, description: s.description, path: s.path, enabled: s.enabled, userInvocable: s.userInvocable,
    }));
    if (this.skillQuery) this.showSkillMenu();
  }

  /** Host-provided text and/or mention (e.g. "Add selection to chat"). */
  insert(msg: InsertMessage): void {
    if (msg.mention) this.addMention(msg.mention);
    if (msg.text) {
      const ta = this.textarea;
      const start = ta.selectionStart;
      const before = ta.value.slice(0, start);
      const pad = before && !/\s$/.test(before) ? " " : "";
      ta.setRangeText(pad + msg.text, start, ta.selectionEnd, "end");
      this.autosize();
    }
    this.saveDraft();
    this.focus();
  }

  // --- keys, menus ----------------------------------------------------------------------

  private onKeyDown(e: KeyboardEvent): void {
    if (e.isComposing) return;
    if (this.menu.handleKey(e)) {
      e.preventDefault();
      if (e.key === "Escape") {
        e.stopPropagation();
        this.dismissed = this.textarea.value;
      }
      return;
    }
    if (e.key === "Enter" && !e.shiftKey && !e.altKey) {
      e.preventDefault();
      this.send();
    }
  }

  private updateMenus(): void {
    const ta = this.textarea;
    if (this.dismissed !== null && this.dismissed !== ta.value) this.dismissed = null;
    if (this.dismissed !== null || ta.selectionStart !== ta.selectionEnd) {
      this.closeMenus();
      return;
    }
    const slash = slashMatches(ta.value, this.slashNames ?? undefined);
    if (slash && slash.length > 0) {
      this.mention = null;
      this.menu.show(slash.map((c) => this.slashItem(c)), "Commands");
      return;
    }
    const sq = findSkillQuery(ta.value, ta.selectionStart);
    if (sq) {
      this.mention = null;
      // A new `$` asks the host again (skills may have been added since); typing narrows the list.
      if (!this.skillQuery) this.post({ type: "listSkills" });
      this.skillQuery = sq;
      this.showSkillMenu();
      return;
    }
    this.skillQuery = null;
    const q = findMentionQuery(ta.value, ta.selectionStart);
    if (!q) {
      this.closeMenus();
      return;
    }
    this.mention = q;
    if (q.query !== this.requested) {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => {
        this.requested = q.query;
        this.post({ type: "searchMentions", query: q.query });
      }, SEARCH_DELAY_MS);
    }
    this.showMentionMenu();
  }

  private closeMenus(): void {
    this.mention = null;
    this.skillQuery = null;
    clearTimeout(this.searchTimer);
    this.menu.hide();
  }

  private showMentionMenu(): void {
    const q = this.mention;
    if (!q) return;
    const r = this.results;
    const fresh = r?.query === q.query;
    const needle = q.query.toLowerCase();
    // Until the answer for this query arrives, narrow the previous answer.
    const files = fresh ? r.files : (r?.files ?? []).filter((f) => f.toLowerCase().includes(needle));
    let items: MenuItem[];
    if (files.length === 0) {
      items = [{ label: fresh ? `No files match “${q.query}”` : "Searching files…", inert: true }];
    } else {
      items = files.slice(0, MAX_RESULTS).map((path) => {
        const slash = path.lastIndexOf("/");
        return {
          label: slash >= 0 ? path.slice(slash + 1) : path,
          detail: slash >= 0 ? path.slice(0, slash) : "",
          choose: () => this.chooseMention(path),
        };
      });
    }
    this.menu.show(items, "Files");
  }

  private showSkillMenu(): void {
    const q = this.skillQuery;
    if (!q) return;
    let items: MenuItem[];
    if (this.skills === null) {
      items = [{ label: "Loading skills…", inert: true }];
    } else {
      const matches = skillMatches(q.query, this.skills);
      items = matches.length === 0
        ? [{ label: q.query ? `No skills match “${q.query}”` : "No skills to use (see /skills)", inert: true }]
        : matches.slice(0, MAX_RESULTS).map((skill) => ({
          label: `$${skill.name}`, detail: skill.description, choose: () => this.chooseSkill(skill),
        }));
    }
    this.menu.show(items, "Skills");
  }

  private chooseSkill(skill: SkillEntry): void {
    const q = this.skillQuery;
    if (!q) return;
    const next = applySkill(this.textarea.value, q, skill.name);
    this.textarea.value = next.text;
    this.textarea.setSelectionRange(next.caret, next.caret);
    this.skillQuery = null;
    if (!this.chosenSkills.some((s) => s.path === skill.path)) this.chosenSkills.push(skill);
    this.autosize();
    this.saveDraft();
  }

  private slashItem(c: SlashCommand): MenuItem {
    return { label: `/${c.name}`, detail: c.description, choose: () => this.chooseSlash(c) };
  }

  private chooseMention(path: string): void {
    const q = this.mention;
    if (!q) return;
    const next = applyMention(this.textarea.value, q, path);
    this.textarea.value = next.text;
    this.textarea.setSelectionRange(next.caret, next.caret);
    this.mention = null;
    this.addMention({ path });
    this.autosize();
    this.saveDraft();
  }

  private chooseSlash(c: SlashCommand): void {
    if (c.takesArgs) {
      this.textarea.value = `/${c.name} `;
      const end = this.textarea.value.length;
      this.textarea.setSelectionRange(end, end);
      this.dismissed = null;
      this.saveDraft();
      return;
    }
    this.post({ type: "slash", command: c.name });
    this.clear();
  }

  // --- attachments ----------------------------------------------------------------------

  private addMention(m: Mention): void {
    if (!this.mentions.some((x) => sameMention(x, m))) this.mentions.push(m);
    this.renderChips();
  }

  private onPaste(e: ClipboardEvent): void {
    const data = e.clipboardData;
    if (!data) return;
    const files = [...data.items].filter((i) => i.kind === "file" && i.type.startsWith("image/"))
      .map((i) => i.getAsFile()).filter((f): f is File => f !== null);
    if (files.length === 0) return;
    if (!data.types.includes("text/plain")) e.preventDefault();
    for (const file of files) {
      const reader = new FileReader();
      reader.addEventListener("load", () => {
        if (typeof reader.result !== "string") return;
        this.imageCount += 1;
        const ext = file.type.split("/")[1] ?? "png";
        const name = file.name && file.name !== "image.png" ? file.name : `pasted-image-${this.imageCount}.${ext}`;
        this.images.push({ dataUrl: reader.result, name });
        this.renderChips();
      });
      reader.readAsDataURL(file);
    }
  }

  private renderChips(): void {
    const chips: HTMLLIElement[] = [];
    for (const m of this.mentions) {
      const label = mentionLabel(m);
      chips.push(h("li", { class: "chip", title: label },
        h("span", { class: "chip-icon", "aria-hidden": "true" }, "@"),
        h("span", { class: "chip-label" }, label),
        h("button", {
          class: "chip-remove", type: "button", "aria-label": `Remove ${label}`,
          onclick: () => {
            this.mentions = this.mentions.filter((x) => x !== m);
            this.renderChips();
            this.saveDraft();
            this.focus();
          },
        }, "×")));
    }
    for (const img of this.images) {
      chips.push(h("li", { class: "chip image", title: img.name },
        h("img", { class: "thumb", src: img.dataUrl, alt: "" }),
        h("span", { class: "chip-label" }, img.name),
        h("button", {
          class: "chip-remove", type: "button", "aria-label": `Remove image ${img.name}`,
          onclick: () => {
            this.images = this.images.filter((x) => x !== img);
            this.renderChips();
            this.focus();
          },
        }, "×")));
    }
    this.chips.replaceChildren(...chips);
    this.chips.hidden = chips.length === 0;
  }

  // --- sending --------------------------------------------------------------------------

  private send(): void {
    if (!this.connected) return; // never dropped: the text stays until the server runs
    const text = this.textarea.value.trim();
    if (!text && this.mentions.length === 0 && this.images.length === 0) return;
    // A typed command the server lacks still goes to the host, which says so (it is not sent to the model).
    const slash = this.mentions.length === 0 && this.images.length === 0 ? parseSlashCommand(text) : null;
    if (slash) this.post({ type: "slash", ...slash });
    else {
      const skills = skillInputs(text, this.chosenSkills).map(({ name, path }) => ({ name, path }));
      this.post({ type: "send", text, mentions: [...this.mentions], images: [...this.images], ...(skills.length ? { skills } : {}) });
    }
    this.clear();
    this.onSent();
  }

  private clear(): void {
    this.textarea.value = "";
    this.mentions = [];
    this.images = [];
    this.chosenSkills = [];
    this.dismissed = null;
    this.closeMenus();
    this.renderChips();
    this.autosize();
    this.saveDraft();
  }

  private autosize(): void {
    const ta = this.textarea;
    ta.style.height = "auto";
    ta.style.height = `${Math.min(ta.scrollHeight + 2, MAX_TEXTAREA_PX)}px`;
    ta.style.overflowY = ta.scrollHeight + 2 > MAX_TEXTAREA_PX ? "auto" : "hidden";
  }

  private saveDraft(): void {
    this.onDraft({
      text: this.textarea.value, mentions: [...this.mentions],
      ...(this.chosenSkills.length ? { skills: [...this.chosenSkills] } : {}),
    });
  }
}
