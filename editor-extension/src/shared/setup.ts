/**
 * The provider setup view's values and the pure rules that connect them to the settings
 * (`tandem.provider`, `tandem.model`, `tandem.baseUrl`, `tandem.wireApi`) and to the server's presets
 * (`tandem/provider/status`, from server/tandem/providers.py). Shared by the host (src/setup.ts)
 * and the page (webview/render/setup.ts); no `vscode`, no DOM.
 */
import type { ProviderPreset, ProviderStatusResult } from "../protocol/generated";

/** The dropdown's entry for "any OpenAI-compatible URL": the `openai` provider at the user's base URL. */
export const COMPATIBLE = "compatible";
export const COMPATIBLE_LABEL = "OpenAI-compatible URL";
/** The variable the key of an OpenAI-compatible URL is read from (the `openai` preset's). */
export const COMPATIBLE_KEY_VAR = "OPENAI_API_KEY";

/** The HTTP API of an OpenAI-compatible server ("" = the preset's: Responses). */
export type CompatibleApi = "" | "responses" | "chat";

/** What the setup form holds. `apiKey` travels only page -> host, never back. */
export interface SetupValues {
  /** A preset id (`openai`, `anthropic`, …) or {@link COMPATIBLE}. */
  choice: string;
  baseUrl: string;
  model: string;
  wireApi: CompatibleApi;
  /** Empty: keep the stored key (or the server's own environment). */
  apiKey: string;
}

/** The provider settings, as the setup view writes them ("" removes a setting). */
export interface ProviderSettings {
  provider: string;
  model: string;
  baseUrl: string;
  wireApi: CompatibleApi;
}

/** The setup values the current settings stand for (the server's status fills what they leave open). */
export function valuesFromSettings(settings: ProviderSettings, status: ProviderStatusResult | null): SetupValues {
  const provider = settings.provider || status?.provider || "openai";
  const compatible = provider === "openai" && settings.baseUrl !== "";
  return {
    choice: compatible ? COMPATIBLE : provider,
    baseUrl: settings.baseUrl,
    model: settings.model,
    wireApi: compatible ? settings.wireApi : "",
    apiKey: "",
  };
}

/** The settings to write for `values` (an OpenAI-compatible URL is the `openai` provider at that URL). */
export function settingsFromValues(values: SetupValues): ProviderSettings {
  const compatible = values.choice === COMPATIBLE;
  return {
    provider: compatible ? "openai" : values.choice,
    model: values.model.trim(),
    baseUrl: values.baseUrl.trim(),
    wireApi: compatible ? values.wireApi : "",
  };
}

/** The preset behind a choice (the `openai` one for an OpenAI-compatible URL). */
export function presetFor(choice: string, presets: readonly ProviderPreset[]): ProviderPreset | undefined {
  return presets.find((p) => p.id === (choice === COMPATIBLE ? "openai" : choice));
}

/** The environment variable the choice's key goes in (`undefined`: the provider sends no key). */
export function keyVarFor(choice: string, presets: readonly ProviderPreset[]): string | undefined {
  if (choice === COMPATIBLE) return COMPATIBLE_KEY_VAR;
  return presetFor(choice, presets)?.envKey ?? undefined;
}

/** Whether the choice needs the user to give a base URL (an OpenAI-compatible URL; Azure). */
export function needsBaseUrl(choice: string, presets: readonly ProviderPreset[]): boolean {
  return choice === COMPATIBLE || presetFor(choice, presets)?.baseUrl === "";
}

/** Whether the choice cannot work without a key (`requiresKey` of the preset; never for a compatible URL). */
export function needsKey(choice: string, presets: readonly ProviderPreset[]): boolean {
  return choice !== COMPATIBLE && presetFor(choice, presets)?.requiresKey === true;
}

/**
 * What is missing before `values` can be tested or saved, or `null`.
 *
 * @param keyKnown a key for the choice's variable is stored already (or the server has one).
 */
export function validateSetup(values: SetupValues, presets: readonly ProviderPreset[], keyKnown: boolean): string | null {
  if (needsBaseUrl(values.choice, presets)) {
    const url = values.baseUrl.trim();
    if (!url) return "Enter the base URL (e.g. http://localhost:8000/v1).";
    if (!/^https?:\/\/[^\s/]+/.test(url)) return "The base URL must start with http:// or https://.";
  } else if (values.baseUrl.trim() && !/^https?:\/\/[^\s/]+/.test(values.baseUrl.trim())) {
    return "The base URL must start with http:// or https://.";
  }
  if (needsKey(values.choice, presets) && !values.apiKey.trim() && !keyKnown) {
    return `Enter the API key (${keyVarFor(values.choice, presets) ?? "key"}).`;
  }
  return null;
}
