import { describe, expect, it } from "vitest";
import { tempDirs } from "@/tests/support/temp-dirs";
import { chmodSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createPrivateFileOnce, makeTreePrivate, writePrivateFile } from "./private-file";

const tempDir = tempDirs("hic-private-");

describe("private files", () => {
  it("creates a file once, mode 600, and hands back what is there to a second writer", () => {
    const dir = tempDir();
    const file = path.join(dir, "a.secret");
    expect(createPrivateFileOnce(file, "first\n")).toEqual({ created: true, content: "first\n" });
    expect(createPrivateFileOnce(file, "second\n")).toEqual({ created: false, content: "first\n" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["a.secret"]);
  });

  it("does not write through a link planted where the file goes", () => {
    const dir = tempDir();
    const target = path.join(dir, "elsewhere");
    writeFileSync(target, "untouched");
    symlinkSync(target, path.join(dir, "b.secret"));
    expect(createPrivateFileOnce(path.join(dir, "b.secret"), "secret").created).toBe(false);
    expect(statSync(target).size).toBe("untouched".length);
  });

  it("replaces a file that was readable by others with a private one", () => {
    const dir = tempDir();
    const file = path.join(dir, "c.secret");
    writeFileSync(file, "old");
    chmodSync(file, 0o644);
    writePrivateFile(file, "new");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("takes group and other access away from a whole tree", () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, "server"), { mode: 0o755 });
    writeFileSync(path.join(dir, "server", "manifest.json"), "{}", { mode: 0o644 });
    makeTreePrivate(dir);
    expect(statSync(path.join(dir, "server")).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, "server", "manifest.json")).mode & 0o777).toBe(0o600);
  });
});
