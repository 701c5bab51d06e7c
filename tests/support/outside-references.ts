import path from "node:path";

/**
 * Finds what in a file reaches outside the repository: a module import or a path built from the
 * file's folder or the repository root that resolves outside it, a Markdown link that leaves it
 * or points nowhere, a document cited by a name that is not in it, and the citation styles of
 * notes that never were in it. The repository must stand alone: a clone, a fork or a mirror has
 * nothing else.
 */
export type SourceFile = { path: string; text: string };

const CODE = /\.(?:[cm]?[jt]sx?)$/;
const MARKDOWN = /\.md$/;

// Specifiers of static and dynamic imports, re-exports, require, and vitest's module mocks.
const SPECIFIERS = [
  /\bfrom\s*["']([^"'\n]+)["']/g,
  /\bimport\s*["']([^"'\n]+)["']/g,
  /\bimport\s*\(\s*["']([^"'\n]+)["']\s*[,)]/g,
  /\brequire(?:\.resolve)?\s*\(\s*["']([^"'\n]+)["']\s*\)/g,
  /\bvi\.(?:mock|doMock|importActual|importMock)\s*\(\s*["']([^"'\n]+)["']/g,
];
/** `path.join(base, "…")` / `path.resolve(base, "…")` whose base is the file's folder or the repository root. */
const PATH_CALL =
  /\bpath\.(?:join|resolve)\(\s*(__dirname|import\.meta\.dirname|process\.cwd\(\)|root|repoRoot)\s*((?:,\s*["'][^"'\n]*["']\s*)+)\)/g;
const URL_FROM_MODULE = /\bnew URL\(\s*["']([^"'\n]+)["']\s*,\s*import\.meta\.url\s*\)/g;
const MARKDOWN_LINK = /!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
/** A Markdown document named in prose or a comment, by a bare name, a relative or an absolute path. */
const DOCUMENT_MENTION = /(?<![\w/.:-])((?:\.{1,2}\/|\/)?(?:[\w.-]+\/)*[\w.-]+\.md)\b/g;
const CITATION_STYLES: [RegExp, string][] = [
  [
    /\bD[E]SIGN\b/,
    "cites a design document that is not in the repository (write it into docs/ and cite that)",
  ],
  [/\bS[T]YLE\.md\b/, "cites a style guide that is not in the repository"],
  [/(?:^|[^\w.])(?:\.\.\/)+shared\//, "refers to a shared folder beside the repository"],
];
/** Names for documents that are not files; fine only beside the name of the file they mean. */
const VAGUE_CITATION = /\bprotocol[ ]notes?\b/i;
const SECTION_SIGN = "\u00a7";

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

export function findOutsideReferences(
  root: string,
  files: SourceFile[],
  exists: (absolutePath: string) => boolean,
): string[] {
  const findings: string[] = [];
  for (const file of files) {
    const dir = path.dirname(path.join(root, file.path));
    const report = (index: number, what: string) =>
      findings.push(`${file.path}:${lineOf(file.text, index)}: ${what}`);
    const outside = (target: string) => !isInside(root, target);

    if (CODE.test(file.path)) {
      for (const pattern of SPECIFIERS) {
        for (const match of file.text.matchAll(pattern)) {
          const specifier = match[1]!;
          const target = specifier.startsWith("@/")
            ? path.join(root, specifier.slice(2))
            : specifier.startsWith(".") || specifier.startsWith("/")
              ? path.resolve(dir, specifier)
              : specifier.startsWith("file:")
                ? new URL(specifier).pathname
                : null;
          if (target !== null && outside(target))
            report(match.index, `imports ${specifier}, outside the repository`);
        }
      }
      for (const match of file.text.matchAll(PATH_CALL)) {
        const base = match[1] === "__dirname" || match[1] === "import.meta.dirname" ? dir : root;
        const parts = [...match[2]!.matchAll(/["']([^"'\n]*)["']/g)].map((m) => m[1]!);
        const target = path.resolve(base, ...parts);
        if (outside(target))
          report(match.index, `builds the path ${parts.join("/")} from ${match[1]}, outside the repository`);
      }
      for (const match of file.text.matchAll(URL_FROM_MODULE)) {
        if (outside(path.resolve(dir, match[1]!)))
          report(match.index, `reads ${match[1]} relative to the module, outside the repository`);
      }
    }

    if (MARKDOWN.test(file.path)) {
      for (const match of file.text.matchAll(MARKDOWN_LINK)) {
        const link = match[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("#")) continue;
        const linked = decodeURI(link.split(/[#?]/)[0]!);
        const target = link.startsWith("/") ? path.join(root, linked) : path.resolve(dir, linked);
        if (outside(target)) report(match.index, `links to ${link}, outside the repository`);
        else if (!exists(target)) report(match.index, `links to ${link}, which is not in the repository`);
      }
    }

    for (const match of file.text.matchAll(DOCUMENT_MENTION)) {
      const mention = match[1]!;
      const before = file.text.slice(Math.max(0, match.index - 8), match.index);
      if (/[a-z]+:\/\/\S*$/i.test(before) || /\/\/$/.test(before)) continue; // part of a URL
      const candidates = mention.startsWith("/")
        ? [mention]
        : [path.resolve(dir, mention), path.resolve(root, mention)];
      if (!candidates.some((candidate) => isInside(root, candidate) && exists(candidate)))
        report(match.index, `cites ${mention}, which is not in the repository`);
    }

    let index = 0;
    for (const line of file.text.split("\n")) {
      for (const [pattern, what] of CITATION_STYLES) if (pattern.test(line)) report(index, what);
      const namesDocument = /[\w.-]+\.md\b/.test(line);
      if (VAGUE_CITATION.test(line) && !namesDocument)
        report(index, "cites notes without naming the file in the repository that holds them");
      // A section sign outside Markdown must say which of the repository's documents it means.
      if (!MARKDOWN.test(file.path) && line.includes(SECTION_SIGN) && !namesDocument)
        report(index, "cites a section without naming the document in the repository it belongs to");
      index += line.length + 1;
    }
  }
  return findings;
}
