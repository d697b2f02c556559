/**
 * Provider API keys in VS Code's SecretStorage (the OS keychain), never in settings.json or a log.
 *
 * One secret, `tandem.providerKeys`, holds a JSON object from environment-variable name (the
 * provider's `env_key`, e.g. `OPENAI_API_KEY`, as `tandem/provider/status` names it) to the key.
 * The server gets them in its environment when it starts (client.ts), which is where it reads
 * every provider's key from (server/tandem/providers.py).
 */

/** VS Code's `SecretStorage`, as far as it is used here. */
export interface SecretStoreLike {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export const SECRET_KEY = "tandem.providerKeys";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `name` can be an environment variable's name (what a provider's `env_key` must be). */
export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** The API keys the user gave the setup view, by environment variable. */
export class ProviderKeys {
  constructor(private readonly secrets: SecretStoreLike) {}

  /** Every stored key, as environment variables for the server (`{}` when none or unreadable). */
  async environment(): Promise<Record<string, string>> {
    let raw: string | undefined;
    try {
      raw = await this.secrets.get(SECRET_KEY);
    } catch {
      return {}; // no keychain: the server runs with the keys of its own environment
    }
    if (!raw) return {};
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
      return Object.fromEntries(
        Object.entries(parsed).filter((e): e is [string, string] => isEnvName(e[0]) && typeof e[1] === "string" && e[1] !== ""),
      );
    } catch {
      return {};
    }
  }

  /** The names of the variables that have a stored key (never the keys). */
  async names(): Promise<string[]> {
    return Object.keys(await this.environment()).sort();
  }

  /**
   * Store `value` as the key in `envName` (an empty value removes it).
   *
   * @throws Error when `envName` is not a variable name.
   */
  async set(envName: string, value: string): Promise<void> {
    if (!isEnvName(envName)) throw new Error(`“${envName}” is not an environment variable name.`);
    const keys = await this.environment();
    const trimmed = value.trim();
    if (trimmed) keys[envName] = trimmed;
    else delete keys[envName];
    if (Object.keys(keys).length === 0) await this.secrets.delete(SECRET_KEY);
    else await this.secrets.store(SECRET_KEY, JSON.stringify(keys));
  }
}
