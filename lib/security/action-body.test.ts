import { describe, expect, it } from "vitest";
import { isWellFormedActionBody } from "./action-body";

const text = (body: string) =>
  new Request("http://app/devices", {
    method: "POST",
    body,
    headers: { "content-type": "text/plain;charset=UTF-8", "next-action": "40ab" },
  });

describe("server action bodies", () => {
  it("lets through what React's client writes for plain arguments", async () => {
    for (const body of [
      '[{"registrationId":"x"}]',
      "[]",
      '["$$dollar", "$undefined", "$-0", "$NaN", "$Infinity", "$n12", "$D2026-01-02T03:04:05.678Z"]',
      '[{"a":[1,{"b":null}]}]',
    ]) {
      expect(await isWellFormedActionBody(text(body)), body).toBe(true);
    }
  });

  it("refuses references that lead nowhere, and bodies that are not an argument list", async () => {
    for (const body of [
      '["$1"]',
      '["$@1"]',
      '["$Q0"]',
      '["$K1"]',
      "{",
      "",
      "null",
      '{"a":1}',
      '[{"x":"$T"}]',
    ]) {
      expect(await isWellFormedActionBody(text(body)), body).toBe(false);
    }
  });

  it("accepts a form's FormData reference, and nothing else that points into a multipart body", async () => {
    const form = new FormData();
    form.set("0", '["$K1"]');
    form.set("1_email", "a@example.com");
    expect(await isWellFormedActionBody(new Request("http://app/", { method: "POST", body: form }))).toBe(
      true,
    );
    const empty = new FormData();
    empty.set("0", '["$K1"]');
    expect(await isWellFormedActionBody(new Request("http://app/", { method: "POST", body: empty }))).toBe(
      true,
    );
    const broken = new FormData();
    broken.set("0", '["$1"]');
    broken.set("1", '{"a":1}');
    expect(await isWellFormedActionBody(new Request("http://app/", { method: "POST", body: broken }))).toBe(
      false,
    );
    const garbage = new Request("http://app/", {
      method: "POST",
      body: "garbage",
      headers: { "content-type": "multipart/form-data; boundary=xyz" },
    });
    expect(await isWellFormedActionBody(garbage)).toBe(false);
  });
});
