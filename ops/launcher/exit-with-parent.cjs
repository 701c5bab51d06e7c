// Preloaded (node --require) into the processes the launcher starts, each the leader of its own
// process group. Should the launcher die without stopping them (kill -9, a crash), the child is
// re-parented and notices within a second: it stops itself as on SIGTERM, exits for good five
// seconds later if that hangs on an open request, and takes its process group with it.
const parent = process.ppid;
const watchdog = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watchdog);
  process.once("exit", () => {
    try {
      process.kill(-process.pid, "SIGKILL");
    } catch {
      // not a group leader, or the group is empty
    }
  });
  setTimeout(() => process.exit(1), 5_000).unref();
  process.kill(process.pid, "SIGTERM");
}, 1_000);
watchdog.unref();
