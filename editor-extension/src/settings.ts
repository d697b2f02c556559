/**
 * The extension's settings (`contributes.configuration` in package.json) and what they turn into:
 * the server's command line and `tandem/thread/start` params. Pure: reading takes any
 * `{get(key)}` (VS Code's `WorkspaceConfiguration` for section "tandem", or a test double).
 */
import type { ApprovalPolicy, SandboxMode, ThreadStartParams } from "./protocol/generated";

/** Settings under "tandem". Empty strings mean "not set: use the server's configuration". */
export interface TandemSettings {
  /** `tandem.server.command`: argv of the server (default `["tandem", "lsp"]`). */
  serverCommand: string[];
  /** `tandem.server.pythonPath`: if set, the server is `[python, "-m", "tandem.cli", "lsp"]`. */
  pythonPath: string;
  /** `tandem.server.args`: extra arguments appended to the server's command line. */
  serverArgs: string[];
  /** `tandem.server.env`: extra environment variables for the server process. */
  serverEnv: Record<string, string>;
  /** `tandem.model`: model slug (`-m` / `thread/start.model`). */
  model: string;
  /** `tandem.provider`: model provider id (`--provider`). */
  provider: string;
  /** `tandem.baseUrl`: the provider's API root, over its preset's (`-c model_providers.<id>.base_url`). */
  baseUrl: string;
  /** `tandem.wireApi`: the HTTP API the provider speaks, over its preset's (`-c model_providers.<id>.wire_api`). */
  wireApi: WireApi | "";
  /** `tandem.approvalPolicy`: `untrusted` | `on-request` | `never` | "" (server default). */
  approvalPolicy: ApprovalPolicy | "";
  /** `tandem.sandboxMode`: `read-only` | `workspace-write` | `danger-full-access` | "" (server default). */
  sandboxMode: SandboxMode | "";
  /** `tandem.approvals.modal`: command approvals as a modal dialog instead of a notification. */
  modalApprovals: boolean;
}

/** Reads one key of the "tandem" configuration section. */
export interface ConfigurationLike {
  get<T>(key: string): T | undefined;
}

export const DEFAULT_SERVER_COMMAND = ["tandem", "lsp"];
const POLICIES: readonly ApprovalPolicy[] = ["untrusted", "on-request", "never"];
const SANDBOXES: readonly SandboxMode[] = ["read-only", "workspace-write", "danger-full-access"];

/** The HTTP APIs a provider can speak (the server's `wire_api` values). */
export type WireApi = "responses" | "chat" | "anthropic";
export const WIRE_APIS: readonly WireApi[] = ["responses", "chat", "anthropic"];

/** Settings that need a server restart when they change (relative to the "tandem" section). */
export const RESTART_KEYS = ["server.command", "server.pythonPath", "server.args", "server.env", "model", "provider", "approvalPolicy", "sandboxMode", "baseUrl", "wireApi"];

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.length > 0) : [];
const text = (value: unknown): string => (typeof value === "string" ? value.trim() : "");
const oneOf = <T extends string>(value: unknown, allowed: readonly T[]): T | "" =>
  allowed.includes(value as T) ? (value as T) : "";

/** Read and sanitise the settings (unknown values fall back to defaults). */
export function readSettings(config: ConfigurationLike): TandemSettings {
  const command = strings(config.get("server.command"));
  const env = config.get<Record<string, unknown>>("server.env");
  return {
    serverCommand: command.length > 0 ? command : [...DEFAULT_SERVER_COMMAND],
    pythonPath: text(config.get("server.pythonPath")),
    serverArgs: strings(config.get("server.args")),
    serverEnv: Object.fromEntries(
      Object.entries(env && typeof env === "object" ? env : {}).filter((e): e is [string, string] => typeof e[1] === "string"),
    ),
    model: text(config.get("model")),
    provider: text(config.get("provider")),
    baseUrl: text(config.get("baseUrl")),
    wireApi: oneOf(config.get("wireApi"), WIRE_APIS),
    approvalPolicy: oneOf(config.get("approvalPolicy"), POLICIES),
    sandboxMode: oneOf(config.get("sandboxMode"), SANDBOXES),
    modalApprovals: config.get("approvals.modal") === true,
  };
}

/**
 * The server's command line: `[python, "-m", "tandem.cli", "lsp"]` when `pythonPath` is set, else
 * `serverCommand`; then `serverArgs`; then `--provider`, `--model`, `--approval-policy` and
 * `--sandbox` for the settings that are set (these also apply to threads the server starts by
 * itself, e.g. for `tandem.ask`; `tandem lsp --help` lists the flags); `tandem.baseUrl` and
 * `tandem.wireApi` become `-c model_providers.<id>.base_url="…"` / `wire_api="…"` for the provider
 * (`openai` when none is set), as the server's `provider_overrides` (lsp/handlers/provider.py) builds them.
 */
export function serverCommandLine(settings: TandemSettings): { command: string; args: string[] } {
  const argv = settings.pythonPath
    ? [settings.pythonPath, "-m", "tandem.cli", "lsp"]
    : settings.serverCommand.length > 0
      ? settings.serverCommand
      : DEFAULT_SERVER_COMMAND;
  const args = [...argv.slice(1), ...settings.serverArgs];
  const provider = settings.provider || (settings.baseUrl || settings.wireApi ? "openai" : "");
  if (provider) args.push("--provider", provider);
  if (settings.baseUrl) args.push("-c", `model_providers.${provider}.base_url=${JSON.stringify(settings.baseUrl)}`);
  if (settings.wireApi) args.push("-c", `model_providers.${provider}.wire_api="${settings.wireApi}"`);
  if (settings.model) args.push("--model", settings.model);
  if (settings.approvalPolicy) args.push("--approval-policy", settings.approvalPolicy);
  if (settings.sandboxMode) args.push("--sandbox", settings.sandboxMode);
  return { command: argv[0] ?? "tandem", args };
}

/** `tandem/thread/start` params: `cwd` (the workspace folder) and the model/policy settings that are set. */
export function threadStartParams(settings: TandemSettings, cwd?: string): ThreadStartParams {
  const params: ThreadStartParams = {};
  if (cwd) params.cwd = cwd;
  if (settings.model) params.model = settings.model;
  if (settings.approvalPolicy) params.approvalPolicy = settings.approvalPolicy;
  if (settings.sandboxMode) params.sandboxMode = settings.sandboxMode;
  return params;
}
