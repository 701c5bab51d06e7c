import { createHmac } from "node:crypto";

/** The IoT Hub MQTT API version the official device SDKs send (2021-04-12). */
export const IOT_HUB_API_VERSION = "2021-04-12";

/** The resource a device token is scoped to: the device's own endpoints on its hub. */
export function deviceResource(hubHost: string, deviceId: string): string {
  return `${hubHost}/devices/${deviceId}`;
}

/**
 * A device SAS token for `{hub}/devices/{id}`: HMAC-SHA256 under the device key of the URL-encoded
 * resource, a newline and the expiry. A device key carries no policy name, so there is no `skn`.
 */
export function createDeviceSasToken(
  hubHost: string,
  deviceId: string,
  deviceKeyBase64: string,
  expiresAtEpochSeconds: number,
): string {
  const sr = encodeURIComponent(deviceResource(hubHost, deviceId));
  const signature = createHmac("sha256", Buffer.from(deviceKeyBase64, "base64"))
    .update(`${sr}\n${expiresAtEpochSeconds}`, "utf8")
    .digest("base64");
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(signature)}&se=${expiresAtEpochSeconds}`;
}

/** The MQTT user name IoT Hub expects of a device: `{hub}/{deviceId}/?api-version=…`. */
export function mqttUsername(hubHost: string, deviceId: string): string {
  return `${hubHost}/${deviceId}/?api-version=${IOT_HUB_API_VERSION}`;
}
