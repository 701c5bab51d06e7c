import { describe, expect, it } from "vitest";
import { prefixRange } from "./prefix-range";

/** Code-point order, which is what the "C" collation compares (UTF-8 bytes). */
function compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function inRange(text: string, prefix: string): boolean {
  const { from, to } = prefixRange(prefix);
  return compare(text, from) >= 0 && (to === null || compare(text, to) < 0);
}

describe("prefix ranges", () => {
  it("ends just past the prefix's last character", () => {
    expect(prefixRange("dev-0077")).toEqual({ from: "dev-0077", to: "dev-0078" });
    expect(prefixRange("a%")).toEqual({ from: "a%", to: "a&" });
  });

  it("skips the surrogate block and drops characters that cannot be raised", () => {
    expect(prefixRange("a\u{D7FF}").to).toBe("a\u{E000}");
    expect(prefixRange("a\u{10FFFF}")).toEqual({ from: "a\u{10FFFF}", to: "b" });
    expect(prefixRange("\u{10FFFF}\u{10FFFF}")).toEqual({ from: "\u{10FFFF}\u{10FFFF}", to: null });
    expect(prefixRange("\u{FFFF}").to).toBe("\u{10000}");
  });

  it("holds exactly the strings that start with the prefix", () => {
    const prefixes = ["d", "dev-", "a\\", "ä", "\u{FFFF}", "🙂", "x\u{10FFFF}", "\u{10FFFF}"];
    const texts = [
      "",
      "d",
      "dev",
      "dev-",
      "dev-1",
      "dew",
      "a\\",
      "a\\b",
      "a]",
      "ä",
      "äb",
      "å",
      "\u{FFFF}",
      "\u{FFFF}a",
      "\u{10000}",
      "🙂",
      "🙂x",
      "🙃",
      "x\u{10FFFF}",
      "x\u{10FFFF}z",
      "y",
      "\u{10FFFF}",
      "\u{10FFFF}a",
    ];
    for (const prefix of prefixes)
      for (const text of texts)
        expect(inRange(text, prefix), `${JSON.stringify(text)} / ${JSON.stringify(prefix)}`).toBe(
          text.startsWith(prefix),
        );
  });
});
