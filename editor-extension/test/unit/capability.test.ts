import { describe, expect, it } from "vitest";
import { fillTandemCapability, TANDEM_CAPABILITY } from "../../src/rpc/capability";

describe("the tandem capability", () => {
  it("is announced as experimental.tandem = {version: 1}, keeping other experimental entries", () => {
    const capabilities: { experimental?: unknown } = { experimental: { other: true } };
    fillTandemCapability(capabilities);
    expect(capabilities.experimental).toEqual({ other: true, tandem: { version: 1 } });
    const empty: { experimental?: unknown } = {};
    fillTandemCapability(empty);
    expect(empty.experimental).toEqual({ tandem: TANDEM_CAPABILITY });
  });
});
