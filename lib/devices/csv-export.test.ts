import { describe, expect, it } from "vitest";
import Papa from "papaparse";
import { getDb } from "@/lib/database";
import { devices } from "@/db/schema";
import { exportDevicesCsv, neutralizeCell } from "./csv-export";

describe("CSV export", () => {
  it("neutralises cells a spreadsheet would run as formulas", () => {
    for (const v of ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"]) expect(neutralizeCell(v)).toBe(`'${v}`);
    expect(neutralizeCell("hub-1.azure-devices.net")).toBe("hub-1.azure-devices.net");
  });

  it("exports the filtered devices with hub and status, in batches", async () => {
    await getDb()
      .insert(devices)
      .values([
        { registrationId: "exp-1", name: '=HYPERLINK("x")', status: "assigned", assignedHub: "hub-a" },
        {
          registrationId: "exp-2",
          status: "failed",
          lastErrorCode: "401002",
          lastErrorMessage: "Unauthorized",
        },
        { registrationId: "exp-3", status: "assigned", assignedHub: "hub-b" },
      ]);
    let text = "";
    for await (const chunk of exportDevicesCsv({ status: "assigned" }, 1)) text += chunk;
    const rows = Papa.parse<string[]>(text.trim()).data;
    expect(rows[0]).toEqual([
      "registrationId",
      "status",
      "hubStatus",
      "hubCheckedAt",
      "hubErrorCode",
      "hubErrorMessage",
      "assignedHub",
      "name",
      "deviceId",
      "substatus",
      "lastUpdated",
      "lastErrorCode",
      "lastErrorMessage",
    ]);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2], r[6], r[7]])).toEqual([
      ["exp-1", "assigned", "unchecked", "hub-a", '\'=HYPERLINK("x")'],
      ["exp-3", "assigned", "unchecked", "hub-b", ""],
    ]);
  });
});
