/**
 * What an MQTT 3.1.1 CONNACK return code from IoT Hub means for the person looking at a device.
 * Code 3 (server unavailable) is the hub's state, not the device's: IoT Hub answers it when it is
 * throttling or not serving, so the device waits and is checked again. Every other refusal stays
 * until someone changes something, so it carries the likely cause and the next step.
 */
export type ConnackVerdict =
  | { kind: "accepted" }
  | { kind: "hub-busy"; code: 3; explanation: string }
  | { kind: "refused"; code: number; explanation: string; nextStep: string };

const REFUSALS: Record<number, { explanation: string; nextStep: string }> = {
  1: {
    explanation:
      "The hub does not speak the MQTT version the check used (3.1.1): whatever answered at this address is not an IoT hub, or a proxy in between changed the connection.",
    nextStep: "Check that HIC_IOT_HUB_ADDRESSES (or DNS) points this hub's hostname at the hub itself.",
  },
  2: {
    explanation:
      "The hub rejected the device ID as a client identifier: the ID may contain characters IoT Hub does not allow, or not match the identity DPS created.",
    nextStep: "Compare the device ID DPS reported with the identity in the hub, then re-provision.",
  },
  4: {
    explanation:
      "The hub does not accept this device's key: its identity may have been disabled or deleted, or re-created with another key.",
    nextStep:
      "Re-provision, or check the identity in the hub (enabled, symmetric key from the enrollment group).",
  },
  5: {
    explanation:
      "The hub does not let this device connect: its identity may have been disabled or deleted, or re-created with another key.",
    nextStep:
      "Re-provision, or check the identity in the hub (enabled, symmetric key from the enrollment group).",
  },
};

export function judgeConnack(code: number): ConnackVerdict {
  if (code === 0) return { kind: "accepted" };
  if (code === 3)
    return {
      kind: "hub-busy",
      code: 3,
      explanation:
        "The hub is not serving connections right now (throttled or unavailable); the check is tried again.",
    };
  const known = REFUSALS[code];
  if (known) return { kind: "refused", code, ...known };
  return {
    kind: "refused",
    code,
    explanation: `The hub refused the connection with a code MQTT 3.1.1 does not define (${code}).`,
    nextStep: "Check that this hub's hostname leads to an Azure IoT hub.",
  };
}
