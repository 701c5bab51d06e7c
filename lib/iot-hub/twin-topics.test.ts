import { describe, expect, it } from "vitest";
import { parseTwinResponseTopic, reportedPatchTopic, twinGetTopic } from "./twin-topics";

describe("twin topics", () => {
  it("asks for the twin and reports with a request id", () => {
    expect(twinGetTopic("1")).toBe("$iothub/twin/GET/?$rid=1");
    expect(reportedPatchTopic("2")).toBe("$iothub/twin/PATCH/properties/reported/?$rid=2");
  });

  it("reads status, request id and version from an answer", () => {
    expect(parseTwinResponseTopic("$iothub/twin/res/204/?$rid=2&$version=7")).toEqual({
      status: 204,
      requestId: "2",
      version: 7,
    });
    expect(parseTwinResponseTopic("$iothub/twin/res/200/?$rid=1")).toEqual({
      status: 200,
      requestId: "1",
      version: null,
    });
  });

  it("ignores what is not an answer", () => {
    expect(parseTwinResponseTopic("$iothub/twin/PATCH/properties/desired/?$version=3")).toBeNull();
    expect(parseTwinResponseTopic("$iothub/twin/res/200/?x=1")).toBeNull();
  });
});
