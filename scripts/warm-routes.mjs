/**
 * A route handler's modules run their top level on the handler's first request, in one blocking
 * task: for the CSV import about 150 ms in which nothing else on the server was answered, health
 * checks included, on every fresh web server the moment its first upload began. Next.js answers
 * OPTIONS itself once a handler's module is loaded, so asking each route handler for OPTIONS does
 * that work before the server takes traffic, and runs none of the app's handlers. Pages are not
 * warmed: rendering one needs a signed-in user.
 */
import http from "node:http";
import { routeKeys, routePatterns } from "./request-timing.mjs";

/** A path for each route handler of the build (dynamic segments filled with `0`). */
export function routeHandlerPaths(manifestKeys) {
  return routePatterns(manifestKeys.filter((key) => key.endsWith("/route"))).map((pattern) =>
    pattern.replace(/\[[^\]]+\]/g, "0"),
  );
}

/** Sends OPTIONS to every route handler through `listener` on a loopback port of its own; never throws. */
export async function warmRouteHandlers(root, listener) {
  const paths = routeHandlerPaths(routeKeys(root));
  if (paths.length === 0) return 0;
  const server = http.createServer(listener);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  let warmed = 0;
  try {
    for (const routePath of paths) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}${routePath}`, {
          method: "OPTIONS",
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        warmed++;
      } catch {
        // A warm-up that fails leaves that handler to load on its first request, as before.
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return warmed;
}
