import { fork } from "node:child_process";
import { once } from "node:events";
import path from "node:path";

export type ObservedSamples = { health: number[]; page: number[]; failures: number };

/**
 * Starts bench/support/observer-child.ts against the app at `url` (health every 100 ms, `pagePath`
 * as the user with `cookie` every second); resolves once it is polling. Its stop answers with the
 * samples, times in ms.
 */
export async function startObserver(options: {
  url: string;
  cookie: string;
  pagePath: string;
}): Promise<{ stop(): Promise<ObservedSamples> }> {
  const child = fork(path.resolve("bench/support/observer-child.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const started = once(child, "message");
  child.send({ url: options.url, cookie: options.cookie, page: options.pagePath });
  await started;
  return {
    async stop() {
      const samples = once(child, "message");
      child.send("stop");
      const [result] = (await samples) as [ObservedSamples];
      return result;
    },
  };
}
