import { describe, expect, it } from "vitest";
import { fakeChat } from "./helpers";

describe("a prompt is never silently dropped", () => {
  it("a send the server cannot take comes back to the composer, with the error", async () => {
    const chat = fakeChat({
      handlers: {
        "tandem/thread/start": () => {
          throw new Error("The Tandem server is not running. Run “Tandem: Restart Server”.");
        },
      },
    });
    await chat.controller.handle({ type: "send", text: "keep this", mentions: [{ path: "src/a.ts" }], images: [] });
    expect(chat.posts).toContainEqual({ type: "restoreDraft", text: "keep this", mentions: [{ path: "src/a.ts" }] });
    expect(chat.posts).toContainEqual({ type: "error", message: "The Tandem server is not running. Run “Tandem: Restart Server”." });
  });
});
