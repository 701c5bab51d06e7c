import { describe, expect, it } from "vitest";
import { judgeConnack } from "./connack";

describe("CONNACK codes in plain language", () => {
  it("accepts code 0", () => {
    expect(judgeConnack(0)).toEqual({ kind: "accepted" });
  });

  it("takes server unavailable (3) for the hub's state: the device waits", () => {
    expect(judgeConnack(3)).toMatchObject({ kind: "hub-busy", code: 3 });
  });

  it.each([4, 5])(
    "explains %i as the hub not accepting the device's key, with re-provisioning as the next step",
    (code) => {
      const verdict = judgeConnack(code);
      expect(verdict).toMatchObject({ kind: "refused", code });
      if (verdict.kind !== "refused") throw new Error("refused expected");
      expect(verdict.explanation).toMatch(/disabled or deleted, or re-created with another key/);
      expect(verdict.nextStep).toMatch(/^Re-provision, or check the identity in the hub/);
    },
  );

  it("explains a rejected identifier (2) and a wrong protocol (1) with their own next steps", () => {
    expect(judgeConnack(2)).toMatchObject({ kind: "refused", nextStep: expect.stringMatching(/device ID/) });
    expect(judgeConnack(1)).toMatchObject({
      kind: "refused",
      nextStep: expect.stringMatching(/HIC_IOT_HUB_ADDRESSES/),
    });
  });

  it("still explains a code MQTT 3.1.1 does not define", () => {
    expect(judgeConnack(135)).toMatchObject({
      kind: "refused",
      code: 135,
      explanation: expect.stringMatching(/135/),
    });
  });
});
