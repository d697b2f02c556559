/**
 * The JSON-RPC ids of server -> client requests.
 *
 * `tandem/serverRequest/resolved {requestId}` names an approval request by its JSON-RPC id, but
 * vscode-jsonrpc hands request handlers only `(params, token)`. This module taps the message
 * reader: for each incoming request of a watched method it remembers `params object -> id`
 * (vscode-jsonrpc passes the very same params object to the handler), so the handler can look the
 * id up. Works for the language client (see client.ts) and for a plain protocol connection.
 */

/** Minimal shape of a vscode-jsonrpc `MessageReader` (any version). */
export interface MessageReaderLike {
  listen(callback: (message: unknown) => void): unknown;
}

interface RequestLike {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** Remembers the ids of incoming requests of the watched methods, keyed by their params object. */
export class ServerRequestIds {
  private readonly ids = new WeakMap<object, string>();
  private readonly methods: ReadonlySet<string>;

  /** @param methods request methods to watch, e.g. `["tandem/requestApproval"]`. */
  constructor(methods: Iterable<string>) {
    this.methods = new Set(methods);
  }

  /** Record `message` if it is a watched request (called for every incoming message). */
  observe(message: unknown): void {
    const msg = message as RequestLike | null;
    if (!msg || typeof msg !== "object" || typeof msg.method !== "string" || !this.methods.has(msg.method)) return;
    if ((typeof msg.id === "string" || typeof msg.id === "number") && msg.params && typeof msg.params === "object") {
      this.ids.set(msg.params, String(msg.id));
    }
  }

  /** The JSON-RPC id (as a string) of the request whose handler received `params`. */
  idOf(params: unknown): string | undefined {
    return params && typeof params === "object" ? this.ids.get(params) : undefined;
  }

  /**
   * `reader` with every message passed through {@link observe} before it is dispatched. Returns a
   * proxy of the same type, so it can replace the reader in `MessageTransports` or be given to
   * `createProtocolConnection`.
   */
  tap<R extends MessageReaderLike>(reader: R): R {
    const observe = (message: unknown): void => this.observe(message);
    return new Proxy(reader, {
      get(target, prop) {
        if (prop === "listen") {
          return (callback: (message: unknown) => void) =>
            target.listen(((message: unknown) => {
              observe(message);
              callback(message);
            }));
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
