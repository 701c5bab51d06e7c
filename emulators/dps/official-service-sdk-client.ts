import { Agent, type AgentOptions } from "node:https";
import type { Duplex } from "node:stream";
import { ProvisioningServiceClient } from "azure-iot-provisioning-service";

/**
 * The SDK's transport hands the connection string's HostName to https.request as the host, port and
 * all (`localhost:8443` for the emulator), so nothing would connect. This agent splits the port off
 * when it opens the socket; the request itself (its Host header, the token's scope) stays as the SDK
 * made it. It also trusts the emulator's CA, for these connections only.
 */
class HostWithPortAgent extends Agent {
  override createConnection(
    options: AgentOptions & { host?: string },
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex {
    const match = /^(.*):(\d+)$/.exec(options.host ?? "");
    const connect = match
      ? { ...options, host: match[1], port: Number(match[2]), servername: match[1] }
      : options;
    return (
      Agent.prototype as unknown as { createConnection: (o: unknown, cb: unknown) => Duplex }
    ).createConnection.call(this, connect, callback);
  }
}

/**
 * The official `azure-iot-provisioning-service` client, made by its own `fromConnectionString` (its
 * connection-string parsing and SAS tokens), pointed at the emulator (interop tests; dev dependency).
 */
export function officialServiceSdkClient(connectionString: string, caPem: string): ProvisioningServiceClient {
  const client = ProvisioningServiceClient.fromConnectionString(connectionString);
  // The only way in to the SDK's transport options; the client does not expose them.
  const transport = (client as unknown as { _restApiClient: { setOptions(options: unknown): void } })
    ._restApiClient;
  transport.setOptions({ http: { agent: new HostWithPortAgent({ ca: caPem, keepAlive: false }) } });
  return client;
}
