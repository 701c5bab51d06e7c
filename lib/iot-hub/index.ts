/**
 * Azure IoT Hub as a device sees it, for the hub check: device SAS tokens and the MQTT user name,
 * CONNACK codes and twin answers in plain language, hub address rules, and the check itself
 * (connect over TLS, twin GET, one reported patch, disconnect). Everything but the check is pure.
 */
export {
  createDeviceSasToken,
  deviceResource,
  mqttUsername,
  IOT_HUB_API_VERSION,
} from "./device-credentials";
export { judgeConnack, type ConnackVerdict } from "./connack";
export {
  hasHubAddressRule,
  isValidHubHostname,
  parseHubAddressRules,
  resolveHubAddress,
  MQTT_TLS_PORT,
  type HubAddress,
  type HubAddressRule,
} from "./hub-addresses";
export { isHubOutage, judgeTwinStatus, type HubCheckResult, type HubCheckStage } from "./hub-check-result";
export { runHubCheck, TlsSessionCache, type HubCheckRequest } from "./hub-check-client";
export {
  parseTwinResponseTopic,
  reportedPatchTopic,
  twinGetTopic,
  TWIN_RESPONSE_SUBSCRIPTION,
} from "./twin-topics";
