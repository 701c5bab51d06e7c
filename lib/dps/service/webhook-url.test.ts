import { describe, expect, it } from "vitest";
import { webhookUrlForViewer } from "./webhook-url";

const URL_WITH_KEY =
  "https://alloc.azurewebsites.net/api/allocate?code=SECRET-FUNCTION-KEY==&clientId=default";

describe("a custom-allocation webhook URL as shown", () => {
  it("shows administrators the address without its query string", () => {
    expect(webhookUrlForViewer(URL_WITH_KEY, true)).toBe("https://alloc.azurewebsites.net/api/allocate");
  });

  it("shows everyone else the host alone", () => {
    expect(webhookUrlForViewer(URL_WITH_KEY, false)).toBe("alloc.azurewebsites.net");
  });

  it("never shows the function key, nor user information, nor a value that is no URL", () => {
    for (const canManage of [true, false]) {
      expect(webhookUrlForViewer(URL_WITH_KEY, canManage)).not.toContain("SECRET");
      expect(webhookUrlForViewer("https://user:pw@h.example/x?code=k#frag", canManage)).not.toMatch(
        /pw|code|frag/,
      );
      expect(webhookUrlForViewer("not a url ?code=SECRET", canManage)).toBeNull();
    }
  });
});
