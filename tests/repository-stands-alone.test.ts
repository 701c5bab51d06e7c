import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, readlinkSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findOutsideReferences, type SourceFile } from "./support/outside-references";

const root = path.resolve(import.meta.dirname, "..");
const UNVERSIONED = new Set([".git", "node_modules", ".next", ".data", "test-results", "playwright-report"]);

/** Every file of the repository: tracked, or new and not ignored (so a check before committing sees it too). */
function repositoryFiles(): string[] {
  try {
    const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    return [...new Set(listed.split("\0").filter(Boolean))].filter(
      (file) => existsSync(path.join(root, file)) || isSymlink(file),
    );
  } catch {
    // Not a git checkout (an unpacked archive): everything but what is never versioned.
    const walk = (dir: string): string[] =>
      readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) =>
        UNVERSIONED.has(entry.name)
          ? []
          : entry.isDirectory()
            ? walk(path.join(dir, entry.name))
            : [path.join(dir, entry.name)],
      );
    return walk("");
  }
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(path.join(root, file)).isSymbolicLink();
  } catch {
    return false;
  }
}

function textFiles(files: string[]): SourceFile[] {
  return files.flatMap((file) => {
    if (isSymlink(file)) return [];
    const bytes = readFileSync(path.join(root, file));
    return bytes.subarray(0, 8000).includes(0) ? [] : [{ path: file, text: bytes.toString("utf8") }];
  });
}

const up = (levels: number) => "../".repeat(levels);
/** Words assembled at run time, so this file does not cite what it tests for. */
const word = (...parts: string[]) => parts.join("");

describe("the repository stands alone", () => {
  it("has no file that imports, links, reads or cites anything outside it", () => {
    const files = repositoryFiles();
    expect(files.length).toBeGreaterThan(100);
    const findings = findOutsideReferences(root, textFiles(files), existsSync);
    for (const file of files.filter(isSymlink)) {
      const target = path.resolve(path.dirname(path.join(root, file)), readlinkSync(path.join(root, file)));
      if (path.relative(root, target).startsWith(".."))
        findings.push(`${file}: a symbolic link to ${target}, outside the repository`);
    }
    expect(findings).toEqual([]);
  });

  describe("the check itself", () => {
    const inRepo = new Set([
      path.join(root, "docs/dps-protocol.md"),
      path.join(root, "README.md"),
      path.join(root, "lib/dps/fixtures/dps-vectors.json"),
    ]);
    const check = (file: string, text: string) =>
      findOutsideReferences(root, [{ path: file, text }], (p) => inRepo.has(p));

    it("flags an import of a file beside the repository, as the DPS tests once had", () => {
      expect(check("lib/dps/sas.test.ts", `import vectors from "${up(3)}shared/dps-vectors.json";`)).toEqual([
        expect.stringMatching(
          /^lib\/dps\/sas\.test\.ts:1: imports .*shared\/dps-vectors\.json, outside the repository/,
        ),
        expect.stringContaining("a shared folder beside the repository"),
      ]);
      expect(check("lib/x.ts", `const v = require("${up(5)}etc/passwd");`)).toHaveLength(1);
      expect(check("lib/x.ts", `const m = await import("${"/"}etc/hosts.js");`)).toHaveLength(1);
      expect(check("lib/x.ts", `vi.mock("${up(4)}elsewhere/module");`)).toHaveLength(1);
    });

    it("flags paths built from the module's folder or the repository root that leave it", () => {
      expect(check("scripts/x.ts", `readFileSync(path.join(root, "${up(1)}notes/a.json"))`)).toEqual([
        expect.stringContaining("builds the path"),
      ]);
      expect(check("lib/a/b.ts", `path.resolve(__dirname, "${up(3)}secret")`)).toEqual([
        expect.stringContaining("builds the path"),
      ]);
      expect(check("lib/a/b.ts", `new URL("${up(3)}data.json", import.meta.url)`)).toEqual([
        expect.stringContaining("relative to the module"),
      ]);
    });

    it("flags citations of documents that are not in the repository", () => {
      expect(
        check("lib/auth/permissions.ts", `/** Which role holds what (${word("DES", "IGN")} section 4). */`),
      ).toEqual([expect.stringContaining("design document")]);
      expect(check("lib/a.ts", `// see the ${word("protocol", " notes")} 2.2`)).toEqual([
        expect.stringContaining("without naming the file"),
      ]);
      expect(check("lib/a.ts", `// see ${word("/elsewhere/notes/protocol", ".md")} ${"\u00a7"}2`)).toEqual([
        expect.stringContaining("which is not in the repository"),
      ]);
      expect(check("lib/a.ts", `// rule ${"\u00a7"}2.3 applies`)).toEqual([
        expect.stringContaining("without naming the document"),
      ]);
      expect(check("README.md", `Read [the protocol](${up(1)}shared/dps-protocol${".md"}).`)).toEqual(
        expect.arrayContaining([expect.stringContaining("outside the repository")]),
      );
      expect(check("README.md", `See [notes](docs/missing${".md"}).`)).toEqual([
        expect.stringContaining("not in the repository"),
        expect.stringContaining("not in the repository"),
      ]);
    });

    it("lets the repository's own files, packages and URLs through", () => {
      const clean = [
        `import vectors from "./fixtures/dps-vectors.json";`,
        `import { x } from "@/lib/dps";`,
        `import pg from "pg";`,
        `const here = path.resolve(import.meta.dirname, "${up(2)}");`,
        `// docs/dps-protocol${".md"} ${"\u00a7"}2.2: the literal sr is signed`,
        `// https://learn.microsoft.com/azure/iot-dps/concepts${".md"}`,
      ].join("\n");
      expect(check("lib/dps/sas.test.ts", clean)).toEqual([]);
      expect(
        check("README.md", `See [the protocol](docs/dps-protocol${".md"}#2-keys) and ${"\u00a7"}3 below.`),
      ).toEqual([]);
    });
  });
});
