/** The card for an entry, by kind. */
import type { Entry } from "../state";
import { approvalCard } from "./approval";
import { commandCard } from "./command";
import type { Card, RenderContext } from "./common";
import { fileChangeCard } from "./fileChange";
import { mcpToolCallCard } from "./mcpToolCall";
import { agentCard, compactionCard, errorCard, reasoningCard, userCard } from "./messages";
import { planCard } from "./plan";
import { skillsCard } from "./skills";
import { turnCard } from "./turn";

export function createCard(entry: Entry, ctx: RenderContext): Card<Entry> {
  const card = build(entry, ctx) as Card<Entry>;
  card.el.dataset["entryId"] = entry.id;
  card.el.dataset["kind"] = entry.kind;
  return card;
}

function build(entry: Entry, ctx: RenderContext): Card<never> {
  switch (entry.kind) {
    case "user": return userCard(entry, ctx);
    case "agent": return agentCard(entry, ctx);
    case "reasoning": return reasoningCard(entry, ctx);
    case "command": return commandCard(entry, ctx);
    case "fileChange": return fileChangeCard(entry, ctx);
    case "mcpToolCall": return mcpToolCallCard(entry);
    case "plan": return planCard(entry);
    case "compaction": return compactionCard(entry);
    case "error":
    case "notice": return errorCard(entry);
    case "approval": return approvalCard(entry, ctx);
    case "turn": return turnCard(entry, ctx);
    case "skills": return skillsCard(entry, ctx);
  }
}
