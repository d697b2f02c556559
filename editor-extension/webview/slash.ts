/**
 * Which slash commands the composer offers: those the server announces in its `initialize` result
 * (`capabilities.experimental.tandem.slashCommands`, relayed as a `capabilities` message); a server
 * that announces none gets the commands every server version has had. `/review` is offered only
 * once a server announces it.
 */
import { SLASH_COMMANDS, type SlashName } from "./mentions";

/** What a server that announces nothing supports. */
export const DEFAULT_SLASH: readonly SlashName[] = ["new", "compact", "undo", "redo"];

/** The slash commands to offer, in the composer's order. */
export function offeredSlashCommands(announced: readonly string[] | null): SlashName[] {
  const supported = new Set<string>(announced ?? DEFAULT_SLASH);
  return SLASH_COMMANDS.map((c) => c.name).filter((name) => supported.has(name));
}

/** The empty transcript's hint, naming the commands offered. */
export function emptyHintText(offered: readonly SlashName[]): string {
  const commands = offered.length ? ` (${offered.map((n) => `/${n}`).join(", ")})` : "";
  return `Type @ to attach a file, $ for a skill, / for commands${commands}. Paste images with Ctrl+V.`;
}
