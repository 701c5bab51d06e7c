/**
 * The obvious alternative to our engine: a script that drives the official Azure IoT Node SDK
 * (`azure-iot-provisioning-device` over HTTP with symmetric keys) for N devices at concurrency C.
 *   node --import tsx bench/support/sdk-driver.ts '{"port":…,"caFile":…,"idScope":…,"groupKey":…,"prefix":…,"count":…,"concurrency":…}'
 * Prints one JSON line: {"seconds":…,"assigned":…,"failed":…}.
 */
import { readFileSync } from "node:fs";
import { Http as HttpBase } from "azure-iot-http-base";
import { ProvisioningDeviceClient } from "azure-iot-provisioning-device";
import { Http as ProvisioningHttp } from "azure-iot-provisioning-device-http";
import { SymmetricKeySecurityClient } from "azure-iot-security-symmetric-key";
import { deriveDeviceKey } from "@/lib/dps/derive-device-key";

type Options = { port: number; caFile: string; idScope: string; groupKey: string; prefix: string; count: number; concurrency: number };

/** The SDK has no port option (dps-protocol.md 1.10): its request builder gets the port added. */
class PortRequestBuilder extends HttpBase {
  constructor(private readonly port: number) {
    super();
  }
  override buildRequest(...args: Parameters<HttpBase["buildRequest"]>): ReturnType<HttpBase["buildRequest"]> {
    const [method, path, headers, host, options, done] = args;
    const callback = typeof options === "function" ? options : done;
    return super.buildRequest(method, path, headers, host, { port: this.port }, callback);
  }
}

async function main() {
  const options = JSON.parse(process.argv[2]!) as Options;
  const ca = readFileSync(options.caFile, "utf8");
  let next = 0;
  let assigned = 0;
  let failed = 0;
  const registerOne = async (registrationId: string) => {
    const builder = new PortRequestBuilder(options.port);
    builder.setOptions({ ca });
    const transport = new ProvisioningHttp(builder as unknown as ConstructorParameters<typeof ProvisioningHttp>[0]);
    const security = new SymmetricKeySecurityClient(registrationId, deriveDeviceKey(options.groupKey, registrationId)) as unknown as Parameters<typeof ProvisioningDeviceClient.create>[3];
    const client = ProvisioningDeviceClient.create("localhost", options.idScope, transport, security);
    const result = await client.register();
    if (result?.status === "assigned") assigned++;
    else failed++;
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.count) {
        const index = ++next;
        await registerOne(`${options.prefix}${String(index).padStart(6, "0")}`).catch(() => failed++);
      }
    }),
  );
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, assigned, failed }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
