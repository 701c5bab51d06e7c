import { azureDps } from "./azure-dps/provider";
import type { IntegrationProvider } from "./provider";

/**
 * Every integration provider, in the order the Integration tab shows them. Adding a provider is
 * one line here (README: "Adding an integration"); TypeScript then asks for its tile in
 * components/integrations/provider-tiles.tsx.
 */
export const INTEGRATION_PROVIDERS = [azureDps] as const satisfies readonly IntegrationProvider[];

export type IntegrationProviderId = (typeof INTEGRATION_PROVIDERS)[number]["id"];

/** Every stored secret of every provider: what `npm run secrets:rotate` re-encrypts. */
export const STORED_SECRETS = INTEGRATION_PROVIDERS.flatMap((provider) => provider.storedSecrets);
