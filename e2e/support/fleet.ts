import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  cpSync,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { pickPort } from "@/ops/postgres/free-port";

/**
 * Several instances of the app on one database, as a deployment runs them: each `npm start` in a
 * process group of its own with the role it is given, a second "machine" (a copy of the project
 * that builds on its own), the DPS emulator as a separate service, and a round-robin balancer.
 */

/** What a checkout leaves out or makes itself; everything else is copied. */
const NOT_COPIED = new Set([
  "node_modules",
  ".next",
  ".data",
  ".git",
  "test-results",
  "playwright-report",
  "blob-report",
  ".scratch",
]);

/**
 * The project as another machine would check it out: the sources copied (a few MB), the installed
 * packages hard-linked (same files, no copy; a symlink where hard links are impossible). It builds
 * into its own `.next`.
 */
export function copyProject(root: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hic-second-machine-"));
  chmodSync(dir, 0o755);
  for (const name of readdirSync(root)) {
    if (NOT_COPIED.has(name)) continue;
    cpSync(path.join(root, name), path.join(dir, name), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}.auth`),
    });
  }
  const linked = spawnSync("cp", ["-al", path.join(root, "node_modules"), path.join(dir, "node_modules")]);
  if (linked.status !== 0) symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const builds = new Set<ChildProcess>();

/** Ends the builds still running (a test that timed out), so their directories can be removed. */
export function stopBuilds(): void {
  for (const child of builds) child.kill("SIGKILL");
}

/** `next build` in `dir`, with the server-actions key given (or none: Next.js then draws one). Output goes to `logFile`. */
export async function buildIn(dir: string, actionsKey: string | null, logFile: string): Promise<void> {
  const log = createWriteStream(logFile);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: "",
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production",
  };
  if (actionsKey) env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY = actionsKey;
  else delete env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY;
  const child = spawn(
    process.execPath,
    [path.join(dir, "node_modules", "next", "dist", "bin", "next"), "build"],
    { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  builds.add(child);
  const [code] = (await once(child, "exit")) as [number | null];
  builds.delete(child);
  if (code !== 0) throw new Error(`next build in ${dir} failed (code ${code}); see ${logFile}.`);
}

/** The server actions' IDs a build holds (its server-reference manifest). */
export function actionIds(dir: string): string[] {
  const manifest = JSON.parse(
    readFileSync(path.join(dir, ".next", "server", "server-reference-manifest.json"), "utf8"),
  ) as { node: Record<string, unknown> };
  return Object.keys(manifest.node).sort();
}

export type Instance = {
  name: string;
  child: ChildProcess;
  /** The web server's URL (web roles). */
  url: string | null;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
};

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. */
async function stopGroup(child: ChildProcess, exited: Promise<unknown>, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * `npm start` (node directly) in `cwd` with `env` on top of this process's environment; resolves
 * once it says it is ready, or with the instance anyway when `expectExit` (a refusal is expected).
 */
export async function startInstance(
  name: string,
  cwd: string,
  env: Record<string, string>,
  options: { expectExit?: boolean; timeoutMs?: number; logFile?: string } = {},
): Promise<Instance> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const log = options.logFile ? createWriteStream(options.logFile) : null;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      log?.write(chunk);
    });
  }
  child.once("exit", () => log?.end());
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let url: string | null = null;
  for (;;) {
    const ready = /\[hic\] Ready: (\S+)/.exec(output);
    if (ready) {
      url = ready[1]!.startsWith("http") ? ready[1]! : null;
      break;
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      if (options.expectExit) break;
      throw new Error(`${name} exited (code ${child.exitCode}) before it was ready:\n${output.slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      await stopGroup(child, exited);
      throw new Error(
        `${name} was not ready within ${(options.timeoutMs ?? 180_000) / 1000} s:\n${output.slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, child, url, output: () => output, exited, stop: () => stopGroup(child, exited) };
}

/**
 * The production web server alone (scripts/web-server.mjs, what the launcher runs), without the
 * launcher and so without its fleet check: what a deployment that skipped `npm start` would run.
 */
export async function startBareWebServer(
  cwd: string,
  env: NodeJS.ProcessEnv,
  logFile?: string,
): Promise<Instance> {
  const port = await pickPort(0);
  const child = spawn(process.execPath, [path.join(cwd, "scripts", "web-server.mjs")], {
    cwd,
    env: {
      ...env,
      HOST: "127.0.0.1",
      PORT: String(port),
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const log = logFile ? createWriteStream(logFile) : null;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      log?.write(chunk);
    });
  }
  child.once("exit", () => log?.end());
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.includes("[web-server] listening")) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`The web server in ${cwd} did not start:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: "bare web server",
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    stop: () => stopGroup(child, exited),
  };
}

export type Emulator = {
  host: string;
  caFile: string;
  idScope: string;
  groupKey: string;
  stop: () => Promise<void>;
};

/** The DPS emulator as a service of its own (`npm run dps-emulator`), with its demo configuration. */
export async function startEmulator(dataDir: string): Promise<Emulator> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/dps-emulator.ts", "--port", "0", "--data-dir", dataDir],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), "line"),
    once(child, "exit").then(() => [null]),
  ])) as [string | null];
  if (!line) throw new Error("The DPS emulator exited before it was ready.");
  const ready = JSON.parse(line) as { url: string; caFile: string; idScope: string };
  const { primaryKey } = JSON.parse(readFileSync(path.join(dataDir, "demo-group-keys.json"), "utf8")) as {
    primaryKey: string;
  };
  return {
    host: `localhost:${new URL(ready.url).port}`,
    caFile: ready.caFile,
    idScope: ready.idScope,
    groupKey: primaryKey,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

export type Forwarded = {
  upstream: number;
  method: string;
  path: string;
  status: number;
  /** A server-action call (Next-Action header). */
  action: boolean;
  /** A page load (the browser's Sec-Fetch-Dest: document). */
  document: boolean;
  /** The server did not know the action (Next.js's `x-nextjs-action-not-found` answer). */
  actionNotFound: boolean;
};

/** Server-action calls answered by another server than the one whose page (the last document load before them) sent them. */
export function crossServerActions(forwarded: Forwarded[]): Forwarded[] {
  let pageFrom = -1;
  const crossing: Forwarded[] = [];
  for (const f of forwarded) {
    if (f.document) pageFrom = f.upstream;
    else if (f.action && pageFrom >= 0 && f.upstream !== pageFrom) crossing.push(f);
  }
  return crossing;
}

export type Balancer = {
  url: string;
  /** Every request, in the order it was forwarded. */
  forwarded: Forwarded[];
  /** Points slot `index` at another server. */
  setUpstream: (index: number, url: string) => void;
  close: () => Promise<void>;
};

/**
 * A round-robin load balancer in a few lines of node:http: request n goes to upstream n mod N
 * (whatever the connection), with X-Forwarded-For naming the client's address. It connects to the
 * servers from `sourceAddress` (127.0.0.2, a loopback address the browser does not use), so a
 * server that shows the browser's address learned it from X-Forwarded-For, trusting this hop.
 */
export async function startRoundRobin(upstreams: string[], sourceAddress = "127.0.0.2"): Promise<Balancer> {
  const targets = [...upstreams];
  const agents = targets.map(() => new http.Agent({ keepAlive: true, localAddress: sourceAddress }));
  const forwarded: Forwarded[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = next++ % targets.length;
    const target = new URL(req.url!, targets[index]);
    // The Host header passes through unchanged, as a reverse proxy must pass it: Next.js refuses a
    // server-action call whose Origin is not the host the browser asked.
    const headers = {
      ...req.headers,
      "x-forwarded-for": [req.headers["x-forwarded-for"], req.socket.remoteAddress]
        .filter(Boolean)
        .join(", "),
    };
    const entry: Forwarded = {
      upstream: index,
      method: req.method!,
      path: req.url!,
      status: 0,
      action: Boolean(req.headers["next-action"]),
      document: req.headers["sec-fetch-dest"] === "document",
      actionNotFound: false,
    };
    forwarded.push(entry);
    const upstream = http.request(target, { method: req.method, headers, agent: agents[index] }, (answer) => {
      entry.status = answer.statusCode ?? 0;
      entry.actionNotFound = answer.headers["x-nextjs-action-not-found"] === "1";
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.listen(await pickPort(0), "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    setUpstream: (index, url) => {
      targets[index] = url;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const agent of agents) agent.destroy();
    },
  };
}
