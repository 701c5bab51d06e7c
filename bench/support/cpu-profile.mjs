// Preloaded with `--import` into the app's processes when a benchmark runs with
// HIC_BENCH_CPU_PROFILE_DIR set (NODE_OPTIONS refuses --cpu-prof): samples the process from its
// start and writes a V8 CPU profile (open it in Chrome DevTools or speedscope) when it exits.
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import path from "node:path";

const dir = process.env.HIC_BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  const name = `${path.basename(process.argv[1] ?? "node")}.${process.pid}.cpuprofile`;
  // An inspector call on the process's own thread answers synchronously, so this runs within "exit".
  process.once("exit", () =>
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(path.join(dir, name), JSON.stringify(result.profile));
    }),
  );
}
