import { describe, expect, it } from "vitest";
import { applySkill, findSkillQuery, skillInputs, skillMatches, skillsListing, type SkillEntry } from "../../../webview/skills";

const SKILLS: SkillEntry[] = [
  { name: "pdf", description: "Extract text from PDF files.", path: "/r/.agents/skills/pdf/SKILL.md", enabled: true, userInvocable: true },
  { name: "release", description: "Cut a release.", path: "/r/.tandem/skills/release/SKILL.md", enabled: true, userInvocable: true },
  { name: "background", description: "Internal.", path: "/h/skills/background/SKILL.md", enabled: true, userInvocable: false },
  { name: "printing", description: "Off.", path: "/h/skills/printing/SKILL.md", enabled: false, userInvocable: true },
];

describe("$ skill completion", () => {
  it("finds the $query at the caret, not inside a word or an env var in the middle of text", () => {
    expect(findSkillQuery("use $pd", 7)).toEqual({ start: 4, end: 7, query: "pd" });
    expect(findSkillQuery("$", 1)).toEqual({ start: 0, end: 1, query: "" });
    expect(findSkillQuery("cost is a$b", 11)).toBeNull();
    expect(findSkillQuery("$pdf done", 9)).toBeNull();
  });

  it("offers enabled, user-invocable skills by name prefix", () => {
    expect(skillMatches("p", SKILLS).map((s) => s.name)).toEqual(["pdf"]);
    expect(skillMatches("", SKILLS).map((s) => s.name)).toEqual(["pdf", "release"]);
  });

  it("writes $name and sends a skill item while the text still mentions it", () => {
    const q = findSkillQuery("please $re", 10);
    if (!q) throw new Error("no query");
    const applied = applySkill("please $re", q, "release");
    expect(applied).toEqual({ text: "please $release ", caret: 16 });
    const release = SKILLS[1] as SkillEntry;
    expect(skillInputs(applied.text, [release])).toEqual([{ type: "skill", name: "release", path: release.path }]);
    expect(skillInputs("please", [release])).toEqual([]);
  });

  it("lists the skills for /skills", () => {
    expect(skillsListing(SKILLS.slice(0, 1))).toBe("$pdf — Extract text from PDF files.");
    expect(skillsListing([])).toContain("No skills found");
  });
});
