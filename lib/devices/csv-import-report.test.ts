import { describe, expect, it } from "vitest";
import Papa from "papaparse";
import { addedReportLine, reportCell, reportLine, reportRows, type ImportLine } from "./csv-import-report";
import { validateRegistrationId } from "@/lib/dps/validation";

const awkward = [
  "dev-1",
  "",
  "a,b",
  'say "hi"',
  "two\nlines",
  "cr\rhere",
  " leading",
  "trailing ",
  "\ufeffbom",
  "=1+1",
  "@sum",
  "tab\there",
  "x".repeat(300),
  "bell\u0007",
];

describe("import report rows", () => {
  it("are the CSV papaparse would write for the same cells", () => {
    const lines: ImportLine[] = awkward.flatMap((value, i) => [
      { line: i + 2, registrationId: value, result: "refused" as const, reason: `because ${value}` },
      { line: i + 1000, registrationId: "ok", result: "added" as const, reason: value },
    ]);
    const papa = Papa.unparse(
      lines.map((l) => [l.line, reportCell(l.registrationId), l.result, reportCell(l.reason)]),
      { newline: "\n" },
    );
    expect(reportRows(lines)).toBe(`${papa}\n`);
    // And it reads back as the same cells.
    const parsed = Papa.parse<string[]>(reportRows(lines).trimEnd(), { newline: "\n" }).data;
    expect(parsed.map((row) => row[1])).toEqual(lines.map((l) => reportCell(l.registrationId)));
  });

  it("of added lines are what the general row says for every valid registration ID", () => {
    const ids = ["dev-1", "-starts-with-dash", "A.b_c:d-9", "x".repeat(128), "0", "=not-valid", "a,b"];
    const valid = ids.filter((id) => validateRegistrationId(id).ok);
    expect(valid).toEqual(["dev-1", "-starts-with-dash", "A.b_c:d-9", "x".repeat(128), "0"]);
    for (const [i, registrationId] of valid.entries())
      expect(addedReportLine(i + 2, registrationId)).toBe(
        reportLine({ line: i + 2, registrationId, result: "added", reason: "" }),
      );
    expect(addedReportLine(3, "-starts-with-dash")).toBe("3,'-starts-with-dash,added,\n");
  });
});
