/**
 * The build's identity, shared by next.config.js (Next.js loads it itself, as CommonJS) and the
 * launcher (ops/launcher/build.ts).
 *
 * Next.js derives each server action's ID from NEXT_SERVER_ACTIONS_ENCRYPTION_KEY at build time
 * (the key salts the ID's hash). Two builds of the same sources with the same key therefore hold
 * the same action IDs and byte-identical client chunks, and only the random build ID would tell
 * them apart. This module makes that ID a function of what the build depends on: the sources and
 * a fingerprint of the key. Equal IDs = interchangeable builds, which is what several web servers
 * behind one load balancer need; the launcher rebuilds when the ID it expects differs.
 */
const { createHash } = require("node:crypto");
const { existsSync, readFileSync, readdirSync, statSync } = require("node:fs");
const path = require("node:path");

/** Everything `next build` reads from the project (node_modules through package-lock.json). */
const SOURCE_ROOTS = [
  "app",
  "components",
  "lib",
  "db",
  "public",
  "auth.ts",
  "proxy.ts",
  "instrumentation.ts",
  "next.config.js",
  "postcss.config.mjs",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
];

function* files(entry) {
  if (!existsSync(entry)) return;
  if (statSync(entry).isFile()) {
    yield entry;
    return;
  }
  for (const name of readdirSync(entry).sort()) {
    if (name === "node_modules" || name.endsWith(".test.ts")) continue;
    yield* files(path.join(entry, name));
  }
}

/** A hash of every source file `next build` reads, by relative path and content. */
function sourceHash(root) {
  const hash = createHash("sha256");
  for (const sourceRoot of SOURCE_ROOTS) {
    for (const file of files(path.join(root, sourceRoot))) {
      hash
        .update(path.relative(root, file).split(path.sep).join("/"))
        .update("\0")
        .update(readFileSync(file))
        .update("\0");
    }
  }
  return hash.digest("hex");
}

/** A short one-way fingerprint of a secret, safe to log and store (the secret cannot be recovered from it). */
function fingerprint(purpose, secret) {
  return createHash("sha256").update(`hic fingerprint\0${purpose}\0${secret}`).digest("hex").slice(0, 16);
}

/**
 * The build ID for these sources and this server-actions key; null without a key (Next.js then
 * draws a random key per build, so no two builds are interchangeable and a random ID says so).
 */
function buildIdFor(root, actionsKey) {
  if (!actionsKey) return null;
  const digest = createHash("sha256")
    .update(sourceHash(root))
    .update("\0")
    .update(fingerprint("server actions key", actionsKey))
    .digest("hex");
  return `hic-${digest.slice(0, 20)}`;
}

module.exports = { SOURCE_ROOTS, sourceHash, fingerprint, buildIdFor };
