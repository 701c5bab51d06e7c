import { z } from "zod";
import { isValidHubHostname } from "@/lib/iot-hub/hub-addresses";
import { parseHubConnectionString } from "@/lib/iot-hub/service/connection-string";

/**
 * A hub's service credential as the Integration tab's form and the server actions take it: which
 * hub, and a policy's connection string for exactly that hub. Browser-safe (the form runs it too).
 */
const hubHost = z
  .string()
  .trim()
  .toLowerCase()
  .refine(isValidHubHostname, { message: "Choose one of the hubs listed." });

export const hubCredentialSchema = z
  .object({
    hubHost,
    connectionString: z.string().max(1000, { message: "A hub connection string is under 1,000 characters." }),
  })
  .superRefine((input, context) => {
    const parsed = parseHubConnectionString(input.connectionString);
    if (!parsed.ok) {
      context.addIssue({ code: "custom", path: ["connectionString"], message: parsed.message });
      return;
    }
    if (parsed.value.hostName !== input.hubHost)
      context.addIssue({
        code: "custom",
        path: ["connectionString"],
        message: `This connection string is for ${parsed.value.hostName}, not ${input.hubHost}: copy it from ${input.hubHost}'s Shared access policies.`,
      });
  });

export type HubCredentialInput = z.output<typeof hubCredentialSchema>;
export type HubCredentialFormInput = z.input<typeof hubCredentialSchema>;

export const removeHubCredentialSchema = z.object({ hubHost });
export type RemoveHubCredentialInput = z.output<typeof removeHubCredentialSchema>;
