import { Http as HttpBase } from "azure-iot-http-base";
import { ProvisioningDeviceClient } from "azure-iot-provisioning-device";
import { Http as ProvisioningHttp } from "azure-iot-provisioning-device-http";
import { SymmetricKeySecurityClient } from "azure-iot-security-symmetric-key";

/**
 * The official transport has no port option and passes the host straight to https.request (protocol
 * notes 1.10), so the request builder adds the emulator's port; the CA goes through setOptions.
 */
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

/**
 * The official Azure IoT Node SDK's provisioning client, pointed at an emulator on `host:port`
 * (used by the interop tests and the benchmark's SDK script; the SDK packages are dev dependencies).
 */
export function officialSdkClient(options: {
  host: string;
  port: number;
  caPem: string;
  idScope: string;
  registrationId: string;
  deviceKey: string;
}) {
  const requestBuilder = new PortRequestBuilder(options.port);
  requestBuilder.setOptions({ ca: options.caPem });
  // Each SDK package pins its own copy of azure-iot-common, so their declared types differ while the objects fit.
  const transport = new ProvisioningHttp(
    requestBuilder as unknown as ConstructorParameters<typeof ProvisioningHttp>[0],
  );
  const security = new SymmetricKeySecurityClient(
    options.registrationId,
    options.deviceKey,
  ) as unknown as Parameters<typeof ProvisioningDeviceClient.create>[3];
  return ProvisioningDeviceClient.create(options.host, options.idScope, transport, security);
}
