import { getDpsIntegration } from "@/lib/integrations/azure-dps/integration-dal";
import { getHubCredentials } from "@/lib/hubs/hub-credentials-dal";
import type { ProviderTileProps } from "../provider-tiles";
import { DpsIntegrationTile } from "./integration-tile";

/** The Azure DPS tile as the Integration tab renders it, with its state read through its data-access layer. */
export async function AzureDpsTile({ canManage }: ProviderTileProps) {
  const [integration, hubs] = await Promise.all([getDpsIntegration(), getHubCredentials()]);
  return <DpsIntegrationTile integration={integration} hubs={hubs} canManage={canManage} />;
}
