import { describe, expect, it } from "vitest";
import { checkNewDevice, newDeviceSchema } from "./device";

const long = (n: number) => "x".repeat(n);

// Each field's good and bad shapes, crossed: several problems at once must come out in the same order.
const registrationIds = ["dev-1", "  Dev.2:a  ", "", "?", "dev_", long(129), "dév", "a\u0000b"];
const names = [undefined, "", "  ", " Lobby sensor ", long(201), "bell\u0007", `${long(201)}\u0001`];
const payloads = [
  undefined,
  "",
  '{"site":"berlin"}',
  "[1]",
  "{not json",
  '"text"',
  '{"a":"\\u0000"}',
  `{"a":"${long(17 * 1024)}"}`,
];

describe("checkNewDevice", () => {
  it("gives the same value or the same reason as newDeviceSchema for every combination", () => {
    let compared = 0;
    for (const registrationId of registrationIds)
      for (const name of names)
        for (const payload of payloads) {
          const raw = { registrationId, name, payload };
          const zod = newDeviceSchema.safeParse(raw);
          const fast = checkNewDevice(raw);
          if (zod.success) expect(fast).toEqual({ ok: true, value: zod.data });
          else expect(fast).toEqual({ ok: false, reason: zod.error.issues.map((i) => i.message).join(" ") });
          compared++;
        }
    expect(compared).toBe(registrationIds.length * names.length * payloads.length);
  });
});
