/**
 * Skills in the chat page: `$` in the composer asks the host for the skills (`listSkills`), offers
 * the enabled, user-invocable ones (arrows, Enter/Tab, Escape), writes `$name ` and sends a `skill`
 * item with the turn; `/skills` (announced by the server) lists them in the transcript with the
 * SKILL.md files that failed to load.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { SkillInfo } from "../../src/protocol/generated";
import { clearOutbox, feed, outbox, pagesPerTest, waitForPosted } from "./browser";
import { CWD, setup } from "./fixtures";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/webview", import.meta.url));

const { open } = pagesPerTest();

const skill = (name: string, description: string, path: string, extra: Partial<SkillInfo> = {}): SkillInfo => ({
  name, description, path, scope: "repo", enabled: true, implicitInvocation: true, userInvocable: true, ...extra,
});
const PDF = skill("pdf", "Extract text from PDF files.", `${CWD}/.agents/skills/pdf/SKILL.md`);
const PRICING = skill("pricing", "Change prices safely.", `${CWD}/.tandem/skills/pricing/SKILL.md`);
const HIDDEN = skill("background", "Internal.", "/home/dev/.agents/skills/background/SKILL.md",
  { userInvocable: false, scope: "user" });
const OFF = skill("printing", "Turned off.", "/home/dev/.agents/skills/printing/SKILL.md", { enabled: false, scope: "user" });
const SKILLS = [PDF, PRICING, HIDDEN, OFF];
const ERRORS = [{ path: `${CWD}/.agents/skills/broken/SKILL.md`, message: "SKILL.md has no front matter" }];

describe("skills in the chat page", () => {
  it("$ completion: listSkills, keyboard choice, $name in the text, a skill item with the turn", async () => {
    const page = await open();
    await feed(page, setup());
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    await box.click();
    await clearOutbox(page);
    await page.keyboard.type("use $p");
    await waitForPosted(page, { type: "listSkills" });
    const list = page.getByRole("listbox", { name: "Skills" });
    expect(await list.getByRole("option").allInnerTexts()).toEqual([expect.stringContaining("Loading skills")]);
    await feed(page, [{ type: "skills", skills: SKILLS, errors: ERRORS }]);
    // enabled, user-invocable, by name prefix: not `printing` (disabled)
    expect(await list.getByRole("option").allInnerTexts()).toEqual([
      expect.stringContaining("$pdf"), expect.stringContaining("$pricing"),
    ]);
    await page.keyboard.press("ArrowDown");
    const active = await box.getAttribute("aria-activedescendant");
    expect(await page.locator(`#${active}`).innerText()).toContain("$pricing");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Tab");
    expect(await list.isVisible()).toBe(false);
    expect(await box.inputValue()).toBe("use $pdf ");

    // Escape closes the list without choosing; a second `$` asks the host again
    await page.keyboard.type("and $pr");
    expect(await list.isVisible()).toBe(true);
    expect(await list.getByRole("option").allInnerTexts()).toEqual([expect.stringContaining("$pricing")]);
    await page.keyboard.press("Escape");
    expect(await list.isVisible()).toBe(false);
    expect(await box.inputValue()).toBe("use $pdf and $pr");
    await page.keyboard.type("i");
    expect(await list.isVisible()).toBe(true);
    await page.keyboard.press("Enter");
    expect(await box.inputValue()).toBe("use $pdf and $pricing ");
    await page.keyboard.type("on the invoice");
    await page.keyboard.press("Enter");
    const sent = await waitForPosted(page, { type: "send" });
    expect(sent).toEqual({
      type: "send", text: "use $pdf and $pricing on the invoice", mentions: [], images: [],
      skills: [{ name: "pdf", path: PDF.path }, { name: "pricing", path: PRICING.path }],
    });
    expect((await outbox(page)).filter((m) => m.type === "listSkills").length).toBe(2);

    // a chosen skill the user deleted from the text is not sent; nothing is offered for no match
    await clearOutbox(page);
    await page.keyboard.type("$pd");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("plain text $zz");
    expect(await list.getByRole("option").allInnerTexts()).toEqual([expect.stringContaining("No skills match")]);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Enter");
    expect(await waitForPosted(page, { type: "send" })).toEqual({ type: "send", text: "plain text $zz", mentions: [], images: [] });
  });

  it("/skills in the slash menu lists the skills in the transcript, broken files with their error", async () => {
    const page = await open();
    await feed(page, [...setup(), { type: "capabilities", slashCommands: ["new", "compact", "undo", "redo", "skills"] }]);
    const box = page.getByRole("textbox", { name: "Message to Tandem" });
    await box.click();
    await clearOutbox(page);
    await page.keyboard.type("/sk");
    const menu = page.getByRole("listbox", { name: "Commands" });
    expect(await menu.getByRole("option").allInnerTexts()).toEqual([expect.stringContaining("/skills")]);
    await page.keyboard.press("Enter");
    expect(await waitForPosted(page, { type: "slash" })).toEqual({ type: "slash", command: "skills" });
    expect(await box.inputValue()).toBe("");

    await feed(page, [{ type: "skills", skills: SKILLS, errors: ERRORS, show: true }]);
    const card = page.getByRole("region", { name: "Skills" });
    const text = await card.innerText();
    expect(text).toContain("Skills (4)");
    for (const s of SKILLS) {
      expect(text).toContain(`$${s.name}`);
      expect(text).toContain(s.description);
    }
    expect(text).toContain(".agents/skills/pdf/SKILL.md"); // relative to the thread's cwd
    expect(text).toContain("/home/dev/.agents/skills/background/SKILL.md");
    expect(text).toContain("disabled");
    expect(text).toContain("Could not load 1 SKILL.md file");
    expect(text).toContain(".agents/skills/broken/SKILL.md");
    expect(text).toContain("SKILL.md has no front matter");
    await card.getByRole("button", { name: "Open .agents/skills/pdf/SKILL.md" }).click();
    expect(await waitForPosted(page, { type: "openFile" })).toEqual({ type: "openFile", path: PDF.path });

    // the listing also fills the $ completion (no wait for the host)
    await box.click();
    await page.keyboard.type("$");
    expect(await page.getByRole("listbox", { name: "Skills" }).getByRole("option").allInnerTexts()).toEqual([
      expect.stringContaining("$pdf"), expect.stringContaining("$pricing"),
    ]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "skills-listing.png") });
  });
});
