import type { AddressInfo, Server } from "node:net";

/** Starts `server` listening; resolves with the port it got (`port` 0: any free one), rejects on EADDRINUSE and the like. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** `port` when one is given; otherwise `fallback`, or any free port when `fallback` is taken. */
export async function listenWithFallback(
  server: Server,
  port: number | undefined,
  fallback: number,
  host: string,
): Promise<number> {
  if (port !== undefined) return listen(server, port, host);
  try {
    return await listen(server, fallback, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return listen(server, 0, host);
  }
}
