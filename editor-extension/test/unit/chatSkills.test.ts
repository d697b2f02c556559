import { describe, expect, it } from "vitest";
import { buildTurnInput } from "../../src/mentions";
import { fakeChat, thread } from "./helpers";

const PDF = {
  name: "pdf", description: "Extract text from PDF files.", path: "/ws/.agents/skills/pdf/SKILL.md", scope: "repo",
  enabled: true, implicitInvocation: true, userInvocable: true,
};
const LISTED = { skills: [PDF], errors: [{ path: "/ws/.agents/skills/bad/SKILL.md", message: "no front matter" }] };

describe("chat skills", () => {
  it("listSkills asks tandem/skills/list for the workspace and posts the skills for the $ completion", async () => {
    const chat = fakeChat({ handlers: { "tandem/skills/list": () => LISTED } });
    await chat.controller.handle({ type: "listSkills" });
    expect(chat.requests).toEqual([{ method: "tandem/skills/list", params: { cwd: "/ws" } }]);
    expect(chat.posts).toContainEqual({ type: "skills", ...LISTED });
  });

  it("/skills lists them in the transcript (show), for the active thread's cwd", async () => {
    const chat = fakeChat({ handlers: { "tandem/skills/list": () => LISTED } });
    chat.store.upsert(thread("t1", { cwd: "/ws/pkg" }));
    chat.store.setActive("t1");
    await chat.controller.handle({ type: "slash", command: "skills" });
    expect(chat.requests).toEqual([{ method: "tandem/skills/list", params: { cwd: "/ws/pkg" } }]);
    expect(chat.posts).toContainEqual({ type: "skills", ...LISTED, show: true });
  });

  it("a failed listing is shown in the panel, never thrown", async () => {
    const chat = fakeChat({ handlers: { "tandem/skills/list": () => { throw new Error("boom"); } } });
    await chat.controller.handle({ type: "slash", command: "skills" });
    expect(chat.posts).toContainEqual({ type: "error", message: "boom" });
  });

  it("send adds a skill item per chosen skill (after text, files and images; duplicates dropped)", async () => {
    const chat = fakeChat({
      handlers: {
        "tandem/thread/start": () => ({ thread: thread("t1") }),
        "tandem/turn/start": () => ({ turn: { id: "u1", status: "inProgress" } }),
      },
    });
    await chat.controller.handle({
      type: "send", text: "$pdf read it", mentions: [{ path: "a.pdf" }], images: [],
      skills: [{ name: "pdf", path: PDF.path }, { name: "pdf", path: PDF.path }],
    });
    const start = chat.requests.find((r) => r.method === "tandem/turn/start");
    expect(start?.params["input"]).toEqual([
      { type: "text", text: "$pdf read it" },
      { type: "file", uri: "file:///ws/a.pdf" },
      { type: "skill", name: "pdf", path: PDF.path },
    ]);
  });

  it("buildTurnInput without skills is unchanged", () => {
    expect(buildTurnInput({ text: "hi" }, (p) => p)).toEqual([{ type: "text", text: "hi" }]);
  });
});
