/**
 * What the user is told when the Tandem server cannot start or stops by itself: one actionable
 * sentence (the command that was not found, or the server's own last words on stderr), shown once,
 * as the only notification — vscode-languageclient's own toasts are switched off (client.ts).
 */

/** How the server's connection stands (shown in the chat panel and used to gate Send). */
export type ConnectionState = "starting" | "running" | "stopped" | "failed";

/** Keeps the last lines written to an output channel (the server's stderr goes there). */
export class OutputTail {
  private lines: string[] = [];
  private partial = "";

  constructor(private readonly max = 40) {}

  /** Record text as `OutputChannel.append` receives it (may hold several lines or part of one). */
  append(text: string): void {
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  /** Forget what was recorded (a new start begins). */
  clear(): void {
    this.lines = [];
    this.partial = "";
  }

  /** The last line that says something about an error, else the last non-empty line the client did not write itself. */
  lastWords(): string | undefined {
    const own = /^\[(tandem|Info|Warn|Error|Debug|Trace)\b/;
    const candidates = [...this.lines, this.partial].map((l) => l.trim()).filter((l) => l && !own.test(l));
    const errorLine = [...candidates].reverse().find((l) => /error|not found|no module|denied|cannot|failed/i.test(l));
    return errorLine ?? candidates.at(-1);
  }
}

/**
 * The reason a start failed, in words: a missing or non-executable command is named; otherwise the
 * server's last stderr line, or the error's message.
 *
 * @param error what `LanguageClient.start()` rejected with (vscode-languageclient rejects with a
 *   string such as "Launching server using command tandem failed. Error: spawn tandem ENOENT").
 * @param command the program that was started.
 * @param stderr the server's last words (see {@link OutputTail.lastWords}).
 */
export function describeStartFailure(error: unknown, command: string, stderr: string | undefined): string {
  const message = error instanceof Error ? error.message : String(error ?? "");
  if (/ENOENT/.test(message)) return `the command “${command}” was not found`;
  if (/EACCES/.test(message)) return `the command “${command}” is not executable`;
  if (stderr) return stderr;
  return message.replace(/\s+/g, " ").trim() || "it exited before answering";
}

/** The one notification for a server that could not start (actions: see {@link FAILURE_ACTIONS}). */
export function startFailureMessage(reason: string): string {
  return `Tandem's server could not start: ${reason}.`;
}

/** The one notification for a server that stopped by itself and is not restarted again. */
export function crashMessage(reason: string | undefined): string {
  return `Tandem's server stopped unexpectedly${reason ? `: ${reason}` : ""}.`;
}

export const FAILURE_ACTIONS = { openSettings: "Open Settings", showLog: "Show Log", restart: "Restart" } as const;

/**
 * Restarts allowed after crashes: at most `max` within `windowMs` (vscode-languageclient's default
 * handler allows 5 in 3 minutes and then shows its own toast; this one shows ours).
 */
export class CrashBudget {
  private crashes: number[] = [];

  constructor(private readonly max = 3, private readonly windowMs = 180_000, private readonly now: () => number = Date.now) {}

  /** Record a crash; true when the server may be restarted once more. */
  allowRestart(): boolean {
    const t = this.now();
    this.crashes = this.crashes.filter((c) => t - c < this.windowMs);
    this.crashes.push(t);
    return this.crashes.length <= this.max;
  }
}
