/**
 * The banner while the server retries a model request (`tandem/turn/streamRetry`), worded by the
 * kind of failure the server reports (`code`): a provider's server error (HTTP 5xx) is not called a
 * connection problem.
 */
import type { TurnErrorCode } from "../../src/protocol/generated";
import type { RetryView } from "../state";

const WHAT: Partial<Record<TurnErrorCode, string>> = {
  server: "The model provider had a server error",
  rateLimit: "Rate limited by the model provider",
  connection: "Connection problem",
};

/** E.g. "The model provider had a server error; retrying (attempt 1 of 4): HTTP 500 …". */
export function retryText(r: RetryView): string {
  const what = (r.code && WHAT[r.code]) ?? "The model request failed";
  return `${what}; retrying (attempt ${r.attempt} of ${r.maxAttempts}): ${r.message}`;
}
