/**
 * Another user's view of the app while a benchmark loads it, from a process of its own: a monitor
 * polling `/api/health` every 100 ms and a support user reloading a page every second, each request
 * with a 10 s time-out. In the benchmark's own process a probe's timer waited whenever the benchmark
 * itself was busy (reading a 15 MB file before its upload, counting a report's lines), and that wait
 * was counted as the server's.
 *
 * Driven over IPC by bench/support/observer.ts: `{ url, cookie }` starts it (it answers "started"),
 * "stop" ends it (it answers with its samples and exits).
 */
type Start = { url: string; cookie: string; page: string };

let running = true;
const health: number[] = [];
const page: number[] = [];
let failures = 0;

async function timedGet(url: string, cookie: string | null, into: number[]): Promise<void> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      headers: cookie ? { Cookie: cookie } : {},
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    // A failed streamed section answers 200 with an error digest in the HTML.
    if (!response.ok || /"digest"|NEXT_ERROR/.test(text)) failures++;
  } catch {
    failures++;
  }
  into.push(performance.now() - started);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function observe({ url, cookie, page: pagePath }: Start): Promise<unknown> {
  const healthLoop = (async () => {
    while (running) {
      await timedGet(`${url}/api/health`, null, health);
      await pause(100);
    }
  })();
  const pageLoop = (async () => {
    while (running) {
      await timedGet(`${url}${pagePath}`, cookie, page);
      await pause(1000);
    }
  })();
  return Promise.all([healthLoop, pageLoop]);
}

/**
 * One request of each kind, not counted: a fresh Node process spends its first ~200 ms of fetch
 * loading and compiling its HTTP client, which the first samples counted as the server's.
 */
async function warmUp({ url, cookie, page: pagePath }: Start): Promise<void> {
  await timedGet(`${url}/api/health`, null, []);
  await timedGet(`${url}${pagePath}`, cookie, []);
  failures = 0;
}

let loops: Promise<unknown> = Promise.resolve();
process.on("message", (message: Start | "stop") => {
  if (message === "stop") {
    running = false;
    void loops.then(() => process.send!({ health, page, failures }, () => process.exit(0)));
    return;
  }
  void warmUp(message).then(() => {
    loops = observe(message);
    process.send!("started");
  });
});
process.on("disconnect", () => process.exit(0));
