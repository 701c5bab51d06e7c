import type { IntegrationProviderId } from "@/lib/integrations/providers";
import { AzureDpsTile } from "./azure-dps/tile";

export type ProviderTileProps = { canManage: boolean };

/**
 * Each provider's tile for the Integration tab: a server component that loads its own data through
 * its data-access layer. Keyed by the provider registry's ids, so a registered provider without a
 * tile does not compile.
 */
export const PROVIDER_TILES: Record<
  IntegrationProviderId,
  (props: ProviderTileProps) => Promise<React.ReactNode>
> = {
  "azure-dps": AzureDpsTile,
};
