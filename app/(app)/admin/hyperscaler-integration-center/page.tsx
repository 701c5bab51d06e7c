import type { Metadata } from "next";
import { guardPage } from "@/lib/auth/guard-page";
import { PageHeader } from "@/components/shell/page-header";
import { IntegrationTabs } from "@/components/integrations/integration-tabs";

export const metadata: Metadata = { title: "Hyperscaler Integration Center" };

export default async function HyperscalerIntegrationCenterPage() {
  await guardPage("integration.view");
  return (
    <>
      <PageHeader
        title="Hyperscaler Integration Center"
        description="Connect the platform to a cloud provider's device provisioning service, so every device is registered there and lands on the right hub."
      />
      <IntegrationTabs>
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600">No integrations are available yet.</p>
      </IntegrationTabs>
    </>
  );
}
