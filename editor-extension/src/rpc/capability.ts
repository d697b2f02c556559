/**
 * The capability the extension announces in `initialize`: `capabilities.experimental.tandem =
 * {version: 1}`. The server (server/tandem/lsp/editor.py `EditorBridge.configure`) then sends
 * `tandem/*` notifications and `tandem/requestApproval` instead of `window/showMessageRequest`.
 */

/** The value of `experimental.tandem`. */
export const TANDEM_CAPABILITY = { version: 1 } as const;

/** Add `experimental.tandem` to LSP `ClientCapabilities` (keeping other experimental entries). */
export function fillTandemCapability(capabilities: { experimental?: unknown }): void {
  const experimental =
    capabilities.experimental && typeof capabilities.experimental === "object" ? capabilities.experimental : {};
  capabilities.experimental = { ...experimental, tandem: { ...TANDEM_CAPABILITY } };
}
