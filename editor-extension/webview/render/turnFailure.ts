/**
 * What a failed turn's end line says and offers, from the server's kind of failure
 * (`TurnError.code`, server/tandem/agent/turn_errors.py) — never from parsing the message:
 * advice in words, **Retry** (sends the failed turn's input again as a new turn), and buttons for
 * what the advice says (open Tandem's setup or settings, the provider's billing page, compact).
 * A provider's server error (HTTP 5xx) is called that, not a connection problem.
 */
import type { TurnErrorCode } from "../../src/protocol/generated";
import type { FailureAction } from "../../src/shared/webviewMessages";
import { h } from "../dom";
import type { TurnEntry } from "../state";
import type { RenderContext } from "./common";

/** Providers that run on the user's machine (a connection failure most likely means the server is not running). */
const LOCAL_PROVIDERS = new Set(["ollama", "lmstudio", "vllm", "llamacpp", "oss"]);

/** A button of the advice: Retry or one of the host's failure actions. */
type AdviceButton = { action: "retry" } | { action: FailureAction; label: string };

interface Advice {
  title: string;
  text: string;
  buttons: AdviceButton[];
}

const RETRY: AdviceButton = { action: "retry" };
const SETTINGS: AdviceButton = { action: "openSetup", label: "Open settings" };
const LOGS: AdviceButton = { action: "showLogs", label: "Show logs" };

/** The advice for a kind of failure (`provider`: the thread's model provider id). */
export function adviceFor(code: TurnErrorCode | null, provider: string | null): Advice {
  switch (code) {
    case "quota":
      return {
        title: "Out of quota",
        text: "The model provider says this account has no quota or credit left. Check your plan and billing with the provider, or switch to another provider or model.",
        buttons: [{ action: "checkBilling", label: "Check billing" }, SETTINGS, RETRY],
      };
    case "auth":
      return {
        title: "Not signed in to the provider",
        text: "The model provider refused the API key. Check the key and the provider in Tandem's settings.",
        buttons: [SETTINGS, RETRY],
      };
    case "rateLimit":
      return {
        title: "Rate limited",
        text: "The model provider is limiting requests. Wait a moment, then retry.",
        buttons: [RETRY],
      };
    case "connection":
      return provider !== null && LOCAL_PROVIDERS.has(provider)
        ? {
          title: "Could not reach the local model server",
          text: "Is the local server running? Start it (for Ollama: “ollama serve”; for LM Studio: its local server), then retry. Its address is in Tandem's settings.",
          buttons: [RETRY, SETTINGS, LOGS],
        }
        : {
          title: "Connection problem",
          text: "Tandem could not reach the model provider. Check your network and the provider's address in Tandem's settings, then retry.",
          buttons: [RETRY, SETTINGS, LOGS],
        };
    case "server":
      return {
        title: "The model provider had a server error",
        text: "The provider answered with a server error (this is not a problem with your connection or your settings). Retrying usually helps.",
        buttons: [RETRY, LOGS],
      };
    case "context":
      return {
        title: "The conversation is too long for the model",
        text: "It no longer fits the model's context window. Compact the conversation (/compact) or start a new thread.",
        buttons: [{ action: "compact", label: "Compact" }, RETRY],
      };
    case "config":
      return {
        title: "Tandem is not set up",
        text: "The model or provider configuration is incomplete.",
        buttons: [SETTINGS, RETRY],
      };
    default:
      return { title: "The turn failed", text: "", buttons: [RETRY, LOGS] };
  }
}

/** The failure part of a failed turn's end line (null for other turns). */
export function failureView(e: TurnEntry, ctx: RenderContext): HTMLElement | null {
  if (e.status !== "failed" && !e.error) return null;
  const advice = adviceFor(e.errorCode, ctx.provider());
  const el = h("div", { class: "turn-failure", role: "alert", "data-code": e.errorCode ?? "other" },
    h("p", { class: "failure-title" }, advice.title),
    e.error ? h("p", { class: "turn-error" }, e.error) : null,
    advice.text ? h("p", { class: "failure-advice" }, advice.text) : null);
  const threadId = ctx.threadId();
  const input = ctx.turnInput(e.turnId);
  const buttons = advice.buttons.flatMap((b) => {
    if (b.action === "retry") {
      if (!threadId || !input) return [];
      const retry = h("button", {
        class: "primary small", type: "button", "data-action": "retry", title: "Send this turn's message again",
      }, "Retry");
      retry.addEventListener("click", () => {
        retry.disabled = true;
        ctx.post({ type: "retryTurn", threadId, turnId: e.turnId, input });
      });
      return [retry];
    }
    const action = b.action;
    return [h("button", {
      class: "secondary small", type: "button", "data-action": action,
      onclick: () => ctx.post({ type: "failureAction", action, threadId }),
    }, b.label)];
  });
  if (buttons.length > 0) el.append(h("div", { class: "actions failure-actions" }, ...buttons));
  return el;
}
