import type { Metadata } from "next";
import { Suspense } from "react";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";
import { INTEGRATION_PROVIDERS } from "@/lib/integrations/providers";
import { PageHeader } from "@/components/shell/page-header";
import { IntegrationTabs } from "@/components/integrations/integration-tabs";
import { PROVIDER_TILES } from "@/components/integrations/provider-tiles";
import { TileSkeleton } from "@/components/integrations/tile-skeleton";

export const metadata: Metadata = { title: "Hyperscaler Integration Center" };

export default async function HyperscalerIntegrationCenterPage() {
  const me = await guardPage("integration.view");
  const canManage = hasPermission(me.role, "integration.manage");
  return (
    <>
      <PageHeader
        title="Hyperscaler Integration Center"
        description="Connect the platform to a cloud provider's device provisioning service, so every device is registered there and lands on the right hub."
      />
      <IntegrationTabs>
        <div className="grid gap-6">
          {/* Each tile reads its own provider's state, and streams in when it has it. */}
          {INTEGRATION_PROVIDERS.map(({ id, name }) => {
            const Tile = PROVIDER_TILES[id];
            return (
              <Suspense key={id} fallback={<TileSkeleton name={name} />}>
                <Tile canManage={canManage} />
              </Suspense>
            );
          })}
        </div>
      </IntegrationTabs>
    </>
  );
}
