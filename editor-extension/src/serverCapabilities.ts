/**
 * What the running server announced in its `initialize` result as `capabilities.experimental.tandem`
 * (server/tandem/protocol/capabilities.py; schema `TandemServerCapabilities`).
 */
import type { TandemServerCapabilities } from "./protocol/generated";

/**
 * The slash commands the server supports, from an `initialize` result; null when the server does
 * not say (an older server): the chat then offers the commands every server has had.
 */
export function slashCommandsOf(initializeResult: unknown): string[] | null {
  const experimental = (initializeResult as { capabilities?: { experimental?: unknown } } | undefined)?.capabilities?.experimental;
  const tandem = (experimental as { tandem?: Partial<TandemServerCapabilities> } | undefined)?.tandem;
  const commands = tandem?.slashCommands;
  return Array.isArray(commands) && commands.every((c) => typeof c === "string") ? [...commands] : null;
}
