import { getDpsIntegration } from "@/lib/integrations/azure-dps/integration-dal";
import type { ProviderTileProps } from "../provider-tiles";
import { DpsIntegrationTile } from "./integration-tile";

/** The Azure DPS tile as the Integration tab renders it, with its state read through its data-access layer. */
export async function AzureDpsTile({ canManage }: ProviderTileProps) {
  return <DpsIntegrationTile integration={await getDpsIntegration()} canManage={canManage} />;
}
