import type { EmulatorProcess } from "./emulator-process";

/** One GET of `url` with the session `cookie`, read to the end: its time in ms (anything but 200 is an error). */
export async function timeRequest(url: string, cookie: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(url, { headers: { Cookie: cookie } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - start;
}

/**
 * Times GETs of `url` with the session `cookie`, one after another: `count` of them after
 * `warmup`, or (with `until`) until it says stop, `pauseMs` apart.
 */
export async function samplePage(
  url: string,
  cookie: string,
  options: { count: number; warmup?: number } | { until: () => boolean; pauseMs: number },
): Promise<number[]> {
  const samples: number[] = [];
  if ("count" in options) {
    for (let i = 0; i < (options.warmup ?? 0); i++) await timeRequest(url, cookie);
    for (let i = 0; i < options.count; i++) samples.push(await timeRequest(url, cookie));
    return samples;
  }
  while (!options.until()) {
    samples.push(await timeRequest(url, cookie));
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  return samples;
}

type RegistrationPage = {
  items: { createdDateTimeUtc: string; lastUpdatedDateTimeUtc?: string }[];
  continuationToken: string | null;
};

/** First-registration times (ms) of the emulator's records whose ID starts with `prefix`, sorted. */
export async function emulatorRegistrationTimes(
  emulator: EmulatorProcess,
  prefix: string,
): Promise<number[]> {
  const times: number[] = [];
  let token: string | null = null;
  do {
    const page: RegistrationPage = await emulator.admin(
      "GET",
      `registrations?prefix=${encodeURIComponent(prefix)}&top=1000${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`,
    );
    for (const item of page.items) times.push(Date.parse(item.createdDateTimeUtc));
    token = page.continuationToken;
  } while (token);
  return times.sort((a, b) => a - b);
}

/** How many registrations with `prefix` the emulator holds, and the seconds from the first to the last. */
export async function emulatorRegistrationSpan(
  emulator: EmulatorProcess,
  prefix: string,
): Promise<{ count: number; seconds: number; first: number; last: number }> {
  const times = await emulatorRegistrationTimes(emulator, prefix);
  return {
    count: times.length,
    seconds: (times.at(-1)! - times[0]!) / 1000,
    first: times[0]!,
    last: times.at(-1)!,
  };
}
