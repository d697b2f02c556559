/**
 * MCP in the chat page: the mcpToolCall card (server › tool, status, collapsible arguments and
 * result, the error of a failed call), an MCP approval with the decisions the server offers, and a
 * notice for a server that failed to start (tandem/mcp/status).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { feed, pagesPerTest, waitForPosted } from "./browser";
import { item, n, setup, THREAD_ID, TURN_ID } from "./fixtures";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/webview", import.meta.url));

const { open, session } = pagesPerTest();

const CALL = { type: "mcpToolCall", id: "m1", server: "time", tool: "get_current_time", arguments: { timezone: "UTC" } } as const;

describe("MCP in the chat page", () => {
  it("renders a tool call card that completes, and one that fails", async () => {
    const page = await open();
    await feed(page, [...setup(), n("tandem/turn/started", { threadId: THREAD_ID, turn: { id: TURN_ID, status: "inProgress" } }),
      item("started", { ...CALL, status: "inProgress" })]);
    const card = page.getByRole("region", { name: "MCP tool: time › get_current_time" });
    expect(await card.locator(".badge").innerText()).toBe("Running…");
    expect(await card.locator("details.mcp-arguments-box").evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await card.locator(".mcp-arguments").textContent()).toContain('"timezone": "UTC"');
    expect(await card.locator(".mcp-result-box").isHidden()).toBe(true);

    await feed(page, [item("completed", {
      ...CALL, status: "completed", durationMs: 1200,
      result: { content: [{ type: "text", text: "{...}" }], structuredContent: { timezone: "UTC", is_dst: false } },
    }), item("completed", {
      type: "mcpToolCall", id: "m2", server: "test", tool: "hang", arguments: {}, status: "failed",
      error: { message: "MCP server `test`: tools/call hang timed out after 2 s" },
    })]);
    expect(await card.locator(".badge").innerText()).toBe("Done");
    expect(await card.locator(".duration").innerText()).not.toBe("");
    await card.locator(".mcp-result-box summary").click();
    expect(await card.locator(".mcp-result").innerText()).toContain('"is_dst": false');
    const failed = page.getByRole("region", { name: "MCP tool: test › hang" });
    expect(await failed.locator(".badge").innerText()).toBe("Failed");
    expect(await failed.locator(".mcp-error").innerText()).toBe("MCP server `test`: tools/call hang timed out after 2 s");
    expect(session().problems).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator(".mcp-tool-call").first().screenshot({ path: join(ARTIFACTS, "dark-mcp-card.png") });
  });

  it("asks about an MCP tool with the server, tool, title and arguments, and offers only what the server offers", async () => {
    const page = await open();
    await feed(page, [...setup(), {
      type: "approval", requestId: "r-mcp", threadId: THREAD_ID, turnId: TURN_ID, itemId: "m3", kind: "mcpToolCall",
      reason: "Allow the git MCP server to run tool \"git_reset\"?",
      mcp: { server: "git", tool: "git_reset", title: "Reset", arguments: { repo_path: "/repo" },
        decisions: ["accept", "acceptForSession", "acceptAlways", "decline", "cancel"] },
    }]);
    const approval = page.getByRole("group", { name: "Run this MCP tool?" });
    expect(await approval.locator(".reason").innerText()).toBe("Allow the git MCP server to run tool \"git_reset\"?");
    expect(await approval.locator(".mcp-target").innerText()).toBe("git › git_reset — Reset");
    expect(await approval.locator(".mcp-arguments").innerText()).toContain('"repo_path": "/repo"');
    expect(await approval.getByRole("button").allInnerTexts()).toEqual(
      ["Allow", "Allow for this session", "Always allow", "Decline", "Cancel turn"]);
    await approval.getByRole("button", { name: "Always allow" }).click();
    expect(await waitForPosted(page, { type: "approve" })).toEqual({ type: "approve", requestId: "r-mcp", decision: "acceptAlways" });
  });

  it("shows a notice for a server that failed to start", async () => {
    const page = await open();
    await feed(page, [...setup(), n("tandem/mcp/status", { threadId: THREAD_ID, servers: [
      { name: "time", state: "ready", tools: ["mcp__time__get_current_time"] },
      { name: "broken", state: "failed", error: "MCP client for `broken` failed to start: command not found: x" },
    ] })]);
    const notices = await page.locator("[data-kind='notice']").allInnerTexts();
    expect(notices.join("\n")).toContain("MCP server broken failed to start: MCP client for `broken` failed to start: command not found: x");
    expect(notices.join("\n")).not.toContain("time");
  });
});
