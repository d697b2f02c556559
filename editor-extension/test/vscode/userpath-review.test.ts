/**
 * The review user path (issue 12 items 1–6) in Chromium, with its own scripted session
 * (scripts-review.ts) and a bridge into the extension host (review/bridge.ts) for what is read
 * through the extension's and VS Code's API (open documents, tabs, the inline diff) rather than
 * scraped from Monaco:
 *
 * 1. a two-file proposal: a hunk rejected in the diff, then Accept in the chat panel — the file on
 *    disk holds exactly the hunks the diff showed;
 * 6. the review opens on its first file, the added file alone (no phantom deleted line), the lens
 *    row says the hunk's number and state, the title-bar actions have labels, the chat has one
 *    compact "Review 2 files" card;
 * 2. an applied change in an open file: green added lines, the removed text, Keep / Undo lenses,
 *    the "Tandem change 1 of 2" navigator, Keep File / Undo File;
 * 3. undoing a hunk from its lens saves the file; the chat's summary and change card update;
 * 4. the summary's Undo of one file, Keep All; Restore checkpoint marks the turn undone, Redo
 *    un-marks it;
 * 5. agent edits, the undo and an inline ask's proposal accepted in its widget are saved (the tab is
 *    never left dirty).
 *
 * Screenshots: test-artifacts/vscode/review/NN-step-{dark,light}.png at 1440x900; the chat at a
 * 300 px side bar in NN-chat-300-{dark,light}.png.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { InlineDiffSnapshot } from "../../src/inlineDiff";
import type { PendingApproval } from "../../src/approvalBroker";
import { ARTIFACTS, bundleSuite, DEMO_PROJECT, extensionTestEnv, VSCodeSession, waitFor } from "./harness";
import type { BridgeCall } from "./review/bridge";
import {
  ANSWER_A, ANSWER_B, ANSWER_C, DELETED, DOCTEST, FIX_LINE, INIT_NEW, INIT_OLD, MODULE_NOTE, NEW_DOC, NEW_FILE,
  NEW_FILE_TEXT, OLD_DOC, REJECT_MARK, reviewScript,
} from "./scripts-review";

const codeServer = inject("codeServer");
const vsix = inject("vsix");
const skip = "skip" in codeServer ? codeServer.skip : undefined;
const HERE = path.dirname(new URL(import.meta.url).pathname);
const OUT = path.join(ARTIFACTS, "review");
const CORE = "intervals/core.py";
const INIT = "intervals/__init__.py";

const squash = (s: string | null | undefined): string => (s ?? "").replace(/\s+/g, " ").trim();

interface DocState { open: boolean; isDirty?: boolean; text?: string }
interface TabState { label: string; kind: "diff" | "text" | "other"; uri: string; active: boolean; dirty: boolean }

describe.skipIf(skip)(skip ? `review user path (skipped: ${skip})` : "review user path in Chromium", () => {
  let session: VSCodeSession;
  let page: Page;
  let work = "";
  let port = 0;
  let broken: string | undefined;
  let shot = 0;
  const original = (rel: string) => fs.readFileSync(path.join(DEMO_PROJECT, rel), "utf8");
  const onDisk = (rel: string) => fs.readFileSync(session.file(rel), "utf8");

  /** One call into the extension host (review/bridge.ts). */
  const call = async <T>(c: BridgeCall): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: JSON.stringify(c), signal: AbortSignal.timeout(60_000) });
    const body = (await response.json()) as { ok: boolean; result?: T; error?: string };
    if (!body.ok) throw new Error(`bridge ${c.op} failed: ${body.error}`);
    return body.result as T;
  };
  const api = <T>(name: string, ...args: unknown[]) => call<T>({ op: "api", name: name as never, args });
  const doc = (rel: string) => call<DocState>({ op: "doc", path: rel });
  const tabs = () => call<TabState[]>({ op: "tabs" });
  const fileUri = (rel: string) => `file://${session.file(rel)}`;
  const inlineDiffOf = async (rel: string) => (await api<InlineDiffSnapshot[]>("inlineDiff")).find((d) => d.uri === fileUri(rel));

  /** The chat page: the webview's outer iframe, then its active frame. */
  const chat = (): FrameLocator => page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
  /** Visible code lenses whose title matches. */
  const lens = (title: RegExp): Locator => page.locator(".codelens-decoration a").filter({ hasText: title, visible: true });
  /** The visible lens matching `title` that is lowest on screen. */
  const lowest = async (title: RegExp): Promise<Locator> => {
    const all = lens(title);
    let best: { y: number; index: number } | undefined;
    for (let i = 0; i < (await all.count()); i++) {
      const box = await all.nth(i).boundingBox();
      if (box && (!best || box.y > best.y)) best = { y: box.y, index: i };
    }
    if (!best) throw new Error(`no lens ${title}`);
    return all.nth(best.index);
  };
  const turnEnds = () => chat().locator("section.turn-end");

  /** The same moment in the dark theme and in the light one: NN-name-dark.png, NN-name-light.png. */
  const snap = async (name: string): Promise<void> => {
    shot += 1;
    const file = (theme: string) => path.join(OUT, `${String(shot).padStart(2, "0")}-${name}-${theme}.png`);
    await page.screenshot({ path: file("dark"), timeout: 30_000 });
    await call({ op: "setting", section: "workbench", key: "colorTheme", value: "Default Light Modern" });
    await page.locator(".monaco-workbench.vs").waitFor({ timeout: 30_000 });
    await chat().locator("body.vscode-light").waitFor({ timeout: 30_000 }).catch(() => undefined);
    await page.screenshot({ path: file("light"), timeout: 30_000 });
    await call({ op: "setting", section: "workbench", key: "colorTheme", value: "Default Dark Modern" });
    await page.locator(".monaco-workbench.vs-dark").waitFor({ timeout: 30_000 });
    await chat().locator("body.vscode-dark").waitFor({ timeout: 30_000 }).catch(() => undefined);
  };

  const step = (name: string, fn: () => Promise<void>, timeout = 180_000) =>
    it(name, async () => {
      if (broken) throw new Error(`not run: an earlier step failed (${broken})`);
      try {
        await fn();
      } catch (err) {
        broken = name;
        await page?.screenshot({ path: path.join(OUT, `FAILED-${name.replace(/\W+/g, "-").slice(0, 40)}.png`) }).catch(() => undefined);
        throw err;
      }
    }, timeout);

  /** Type a prompt into the chat and send it. */
  const send = async (text: string): Promise<void> => {
    const input = chat().getByRole("textbox", { name: "Message to Tandem" });
    await input.click();
    await input.fill(text);
    await input.press("Enter");
  };
  /** Wait for the chat to show the turn's final answer and its turn-end line. */
  const answered = async (text: string, turns: number): Promise<void> => {
    await chat().locator("article.entry.agent").filter({ hasText: text }).waitFor({ timeout: 90_000 });
    await waitFor(`${turns} finished turn(s)`, async () => (await turnEnds().count()) >= turns, 60_000);
  };

  beforeAll(async () => {
    if (!("bin" in codeServer)) return;
    if ("error" in vsix) throw new Error(`the extension could not be built/packaged:\n${vsix.error}`);
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    work = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "tandem-review-"));
    const bridge = await bundleSuite(path.join(HERE, "review", "bridge.ts"), work);
    const portFile = path.join(work, "bridge-port");
    session = await VSCodeSession.start({
      name: "review",
      codeServer: codeServer.bin,
      vsix: [vsix.path],
      script: reviewScript(),
      settings: { "tandem.approvalPolicy": "untrusted" },
      env: { ...extensionTestEnv(bridge, path.join(work, "results.json")), TANDEM_REVIEW_BRIDGE: portFile },
      viewport: { width: 1440, height: 900 },
    });
    page = await session.openWorkbench();
    port = Number(await waitFor("the bridge in the extension host", () => fs.existsSync(portFile) && fs.readFileSync(portFile, "utf8"), 90_000));
  });

  afterAll(async () => {
    if (port) await call({ op: "stop" }).catch(() => undefined);
    await session?.stop();
    if (work && !process.env.TANDEM_VSCODE_KEEP) fs.rmSync(work, { recursive: true, force: true });
  });

  step("opens the chat; the server runs", async () => {
    await page.locator(".activitybar .action-item a.action-label[aria-label^='Tandem']").click();
    await chat().locator("html[data-tandem-ready='true']").waitFor({ timeout: 60_000 });
    await chat().locator(".status-line .dot.on").waitFor({ timeout: 60_000 });
    await api("whenStarted");
    expect(await api<boolean>("isRunning")).toBe(true);
  });

  step("6: a two-file proposal opens on its first file; the added file is shown alone; labelled title actions; one compact card", async () => {
    await send("Touching intervals are not merged: fix merge().");
    const [pending] = await waitFor("the file-change approval", async () => {
      const p = await api<PendingApproval[]>("pendingApprovals");
      return p.length > 0 && p;
    }, 60_000);
    expect(pending!.params.kind).toBe("fileChange");
    const open = await waitFor("both files of the proposal in tabs", async () => {
      const t = (await tabs()).filter((x) => x.uri.startsWith("tandem-proposal:"));
      return t.length === 2 && t;
    }, 30_000);
    // The review ends on its first file (core.py, a diff); the added file is a plain editor: no phantom deleted line.
    expect(open.find((t) => t.active)).toMatchObject({ kind: "diff", label: expect.stringContaining("core.py (Tandem proposal, 1/2)") });
    expect(open.find((t) => t.uri.includes("span.py"))).toMatchObject({ kind: "text" });
    // The lens row says which hunk and what it is; the title-bar actions are words, not bare icons.
    await waitFor("two readable hunk lenses", async () => (await lens(/Hunk \d of 2: Accept hunk/).count()) === 2, 30_000);
    const titleActions = page.locator(".editor-group-container.active .title .action-label");
    await titleActions.filter({ hasText: "Apply Accepted Hunks" }).waitFor({ timeout: 15_000 });
    await titleActions.filter({ hasText: "Reject Proposal" }).waitFor({ timeout: 15_000 });
    // One compact card in the chat: the files and their hunks, no second copy of the diff.
    const card = chat().getByRole("group", { name: "Review 2 files" });
    await card.waitFor();
    expect(await card.getByRole("checkbox").count()).toBe(3);
    expect(await card.locator("pre.diff").count()).toBe(0);
    expect(await chat().locator("section.file-change").isVisible()).toBe(false);
    await snap("proposal");
  });

  step("1: a hunk rejected in the diff, then Accept in the panel: on disk exactly the hunks the diff shows", async () => {
    await (await lowest(/Reject hunk/)).click();
    await lens(/Rejected hunk — not applied/).waitFor({ timeout: 15_000 });
    // The panel's card shows the same decision (one review state).
    const card = chat().getByRole("group", { name: "Review 2 files" });
    const hunk2 = card.getByRole("checkbox", { name: /Apply hunk 2 of 2 of intervals\/core\.py/ });
    await waitFor("the card to uncheck hunk 2", async () => !(await hunk2.isChecked()), 15_000);
    await snap("hunk-rejected");
    await card.getByRole("button", { name: "Accept", exact: true }).click();
    await answered(ANSWER_A, 1);
    await waitFor("the review tabs to close", async () => !(await tabs()).some((t) => t.uri.startsWith("tandem-proposal:")), 30_000);
    expect(onDisk(CORE)).toBe(original(CORE).replace("        if merged and start < merged[-1][1]:", FIX_LINE));
    expect(onDisk(CORE)).not.toContain(REJECT_MARK);
    expect(onDisk(NEW_FILE)).toBe(NEW_FILE_TEXT);
  });

  step("2 + 5: an applied change lands in the open file, saved, with an inline diff, Keep / Undo lenses and a navigator", async () => {
    const { thread } = await api<{ thread: { id: string } }>("request", "tandem/thread/start", {
      cwd: session.workspace, approvalPolicy: "on-request", sandboxMode: "workspace-write",
    });
    await api("fromWebview", { type: "selectThread", threadId: thread.id });
    await call({ op: "open", path: CORE });
    await send("Tidy the docstrings of intervals.");
    await answered(ANSWER_B, 1);
    // 5: saved right after it was applied (the open file and the one that was not open).
    expect(onDisk(CORE)).toContain(NEW_DOC);
    expect(onDisk(CORE)).not.toContain(DELETED.join("\n"));
    expect(onDisk(INIT)).toContain(INIT_NEW);
    expect(await doc(CORE)).toMatchObject({ open: true, isDirty: false });
    // 2: the inline diff, drawn from the server's located hunks.
    const drawn = await waitFor("the inline diff of core.py", async () => {
      const d = await inlineDiffOf(CORE);
      return d && d.hunks.length === 2 && d;
    }, 30_000);
    const lines = onDisk(CORE).split("\n");
    const docLine = lines.indexOf(NEW_DOC);
    expect(drawn.decorations.added).toEqual([docLine]);
    expect(drawn.decorations.removed.map((r) => [r.text, r.deletionOnly])).toEqual([
      [`− ${OLD_DOC.trim()}`, false],
      [`− ${DELETED[0]!.trim()}  (+1 more removed line)`, true],
    ]);
    await call({ op: "cursor", line: docLine + 5 }); // both hunks on screen (lenses are drawn only there)
    await waitFor("Keep / Undo lenses over both hunks", async () =>
      (await lens(/Keep \(Tandem\)/).count()) === 2 && (await lens(/Undo/).count()) === 2, 30_000);
    await call({ op: "cursor", line: docLine });
    await waitFor("the navigator", async () => (await api<string | undefined>("reviewNavigator")) === "Tandem change 1 of 2", 15_000);
    await page.locator(".statusbar").getByText("Tandem change 1 of 2").waitFor({ timeout: 15_000 });
    const titleActions = page.locator(".editor-group-container.active .title .action-label");
    await titleActions.filter({ hasText: "Keep File" }).waitFor({ timeout: 15_000 });
    await titleActions.filter({ hasText: "Undo File" }).waitFor({ timeout: 15_000 });
    // The chat's summary offers Keep / Undo per file.
    const summary = turnEnds().last().locator(".turn-diff");
    await summary.getByRole("button", { name: `Undo ${INIT}` }).waitFor({ timeout: 15_000 });
    await snap("inline-diff");
  });

  step("3: undoing a hunk from its lens saves the file; the chat's summary and change card update; Keep from the navigator", async () => {
    await (await lowest(/Undo/)).click(); // the lower hunk: the two deleted lines
    await waitFor("the deleted lines back on disk", () => onDisk(CORE).includes(DELETED.join("\n")), 30_000);
    await waitFor("core.py saved", async () => (await doc(CORE)).isDirty === false, 15_000); // the save writes the file before VS Code clears the dirty mark
    const change = chat().locator("section.file-change").last();
    await waitFor("the change card to say it is partly undone", async () => (await change.locator(".card-head .badge").innerText()) === "Partly undone", 15_000);
    const row = turnEnds().last().locator(".file-row").filter({ hasText: CORE });
    await waitFor("the summary row of core.py", async () => (await row.getAttribute("data-state")) === "partial", 15_000);
    await waitFor("one hunk left in the inline diff", async () => (await inlineDiffOf(CORE))?.hunks.length === 1, 15_000);
    await snap("hunk-undone");
    // Keep the other one from the navigator's Keep (cursor on it).
    await call({ op: "cursor", line: onDisk(CORE).split("\n").indexOf(NEW_DOC) });
    await page.locator(".statusbar-item").filter({ hasText: "Keep" }).click();
    await waitFor("no hunk left in the inline diff", async () => (await inlineDiffOf(CORE)) === undefined, 15_000);
    await waitFor("the navigator to go", async () => ((await api<string | null | undefined>("reviewNavigator")) ?? null) === null, 15_000);
    expect(onDisk(CORE)).toContain(NEW_DOC);
  });

  step("4: Undo one file from the summary; Restore checkpoint marks the turn undone, Redo un-marks it; Keep All", async () => {
    const summary = turnEnds().last().locator(".turn-diff");
    await summary.getByRole("button", { name: `Undo ${INIT}` }).click();
    await waitFor("__init__.py undone on disk", () => onDisk(INIT).includes(INIT_OLD), 30_000);
    const row = summary.locator(".file-row").filter({ hasText: INIT });
    await waitFor("the summary to mark it undone", async () => (await row.getAttribute("data-state")) === "undone", 15_000);
    expect(await summary.locator(".turn-diff-head").innerText()).toContain("1 undone");

    await send("Note that intervals never wrap around.");
    await answered(ANSWER_C, 2);
    expect(onDisk(CORE)).toContain(MODULE_NOTE);
    await waitFor("core.py saved", async () => (await doc(CORE)).isDirty === false, 15_000); // the save writes the file before VS Code clears the dirty mark
    const last = turnEnds().last();
    await last.getByRole("button", { name: "Keep all changes of this turn" }).click();
    await waitFor("nothing left to review in the turn", async () => (await last.getByRole("button", { name: /^(Keep|Undo) / }).count()) === 0, 15_000);
    expect(await last.locator(".file-row").getAttribute("data-state")).toBe("kept");
    await last.getByRole("button", { name: "Restore checkpoint" }).click();
    await waitFor("the checkpoint restored on disk", () => !onDisk(CORE).includes(MODULE_NOTE), 30_000);
    await waitFor("the turn marked undone", async () => (await last.getAttribute("data-undone")) === "true", 15_000);
    expect(await last.locator(".undone-badge").innerText()).toBe("Undone");
    await waitFor("core.py saved", async () => (await doc(CORE)).isDirty === false, 15_000); // 5: the undo is saved too
    await snap("turn-undone");
    await last.getByRole("button", { name: "Redo" }).click();
    await waitFor("the redo on disk", () => onDisk(CORE).includes(MODULE_NOTE), 30_000);
    await waitFor("the mark gone", async () => (await last.getAttribute("data-undone")) === "false", 15_000);
    expect(await last.getByRole("button", { name: "Restore checkpoint" }).count()).toBe(1);
    // The redone change is kept (the server's redo); nothing of the turn is left to review.
    expect(await last.getByRole("button", { name: /^(Keep|Undo) / }).count()).toBe(0);
  });

  step("5: an inline ask's accepted proposal is saved too", async () => {
    const line = onDisk(CORE).split("\n").findIndex((l) => l.startsWith("def total_length"));
    await call({ op: "open", path: CORE, line });
    await call({ op: "exec", command: "tandem.inlineAsk", args: [{ prompt: "Add a doctest" }], detach: true }); // it ends with the proposal's answer
    // The proposal is reviewed in the inline-ask widget at the cursor (no proposal diff tab): Accept there.
    const box = page.locator(".review-widget").filter({ visible: true }).filter({ hasText: "Proposed change" }).last();
    await box.waitFor({ timeout: 60_000 });
    expect(squash(await box.innerText())).toContain(squash(`+${DOCTEST}`));
    expect((await tabs()).some((t) => t.uri.startsWith("tandem-proposal:"))).toBe(false);
    await snap("inline-ask-proposal");
    await box.getByRole("link", { name: "Accept", exact: true }).click();
    await waitFor("the doctest on disk", () => onDisk(CORE).includes(DOCTEST), 60_000);
    // The save writes the file before VS Code clears the buffer's dirty mark.
    await waitFor("the buffer saved", async () => (await doc(CORE)).isDirty === false, 15_000);
    expect((await tabs()).filter((t) => t.dirty)).toEqual([]);
    await waitFor("the widget's proposal to go", async () =>
      (await page.locator(".review-widget").filter({ hasText: "Proposed change" }).count()) === 0, 30_000);
  });

  step("the chat at a 300 px side bar", async () => {
    const sidebar = page.locator(".part.sidebar");
    const box = await sidebar.boundingBox();
    if (!box) throw new Error("no side bar");
    const sash = page.locator(".monaco-sash.vertical").filter({ visible: true });
    let target: Locator | undefined;
    for (let i = 0; i < (await sash.count()); i++) {
      const s = await sash.nth(i).boundingBox();
      if (s && Math.abs(s.x + s.width / 2 - (box.x + box.width)) < 6) target = sash.nth(i);
    }
    if (!target) throw new Error("no sash at the side bar's edge");
    const s = (await target.boundingBox())!;
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 300, s.y + s.height / 2, { steps: 8 });
    await page.mouse.up();
    await waitFor("a 300 px side bar", async () => Math.abs(((await sidebar.boundingBox())?.width ?? 0) - 300) <= 2, 15_000);
    await turnEnds().last().scrollIntoViewIfNeeded();
    // Nothing of the turn lines and summaries sticks out sideways at this width.
    expect(await chat().locator("main.transcript").evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await snap("chat-300");
  });
});
