/**
 * Routes the server's `tandem/*` notifications to whoever listens (the chat webview, the thread
 * store, the approval broker, inline-ask progress, the status bar).
 *
 * One handler is registered per notification method of the generated protocol
 * (`SERVER_NOTIFICATIONS`, i.e. every method with direction `serverToClient` and no result), on
 * any {@link NotificationSource}: the language client or a plain protocol connection.
 */
import type { DisposableLike, NotificationSource } from "./rpc/connection";
import { SERVER_NOTIFICATIONS, type ParamsOf, type ServerNotificationMethod } from "./protocol/methods";

/** One notification as received: `method` is a `tandem/*` notification name, `params` its JSON. */
export interface TandemNotification {
  method: ServerNotificationMethod;
  params: Record<string, unknown>;
}

export type NotificationListener = (notification: TandemNotification) => void;

/** Narrow a notification to one method (for typed access to its params). */
export function isNotification<M extends ServerNotificationMethod>(
  n: TandemNotification,
  method: M,
): n is { method: M; params: ParamsOf<M> & Record<string, unknown> } {
  return n.method === method;
}

/** Fans notifications out to listeners; a throwing listener never stops the others. */
export class NotificationRouter {
  private readonly listeners = new Set<NotificationListener>();

  /** @param onListenerError called when a listener throws (e.g. log to the output channel). */
  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  /** Register a handler for every `tandem/*` notification on `source`; dispose to unregister. */
  attach(source: NotificationSource): DisposableLike {
    const registrations = SERVER_NOTIFICATIONS.map((method) =>
      source.onNotification(method, (params: unknown) => this.dispatch(method, params)),
    );
    return { dispose: () => registrations.forEach((r) => r.dispose()) };
  }

  /** Add a listener; dispose the result to remove it. */
  listen(listener: NotificationListener): DisposableLike {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Deliver one notification to every listener (also used by tests). */
  dispatch(method: ServerNotificationMethod, params: unknown): void {
    const notification: TandemNotification = {
      method,
      params: params && typeof params === "object" ? (params as Record<string, unknown>) : {},
    };
    for (const listener of [...this.listeners]) {
      try {
        listener(notification);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
