import type { Metadata } from "next";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";
import { getDpsIntegration } from "@/lib/integrations/azure-dps/integration-dal";
import { PageHeader } from "@/components/shell/page-header";
import { IntegrationTabs } from "@/components/integrations/integration-tabs";
import { DpsIntegrationTile } from "@/components/integrations/azure-dps/integration-tile";

export const metadata: Metadata = { title: "Hyperscaler Integration Center" };

export default async function HyperscalerIntegrationCenterPage() {
  const me = await guardPage("integration.view");
  const integration = await getDpsIntegration();
  return (
    <>
      <PageHeader
        title="Hyperscaler Integration Center"
        description="Connect the platform to a cloud provider's device provisioning service, so every device is registered there and lands on the right hub."
      />
      <IntegrationTabs>
        <DpsIntegrationTile integration={integration} canManage={hasPermission(me.role, "integration.manage")} />
      </IntegrationTabs>
    </>
  );
}
