import type { Metadata } from "next";
import { guardPage } from "@/lib/auth/guard-page";
import { PageHeader } from "@/components/shell/page-header";

export const metadata: Metadata = { title: "Devices" };

export default async function DevicesPage() {
  await guardPage("devices.view");
  return (
    <>
      <PageHeader title="Devices" description="Every device of the platform, the IoT hub Azure DPS assigned it to, and its provisioning history." />
      <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600">No devices yet.</p>
    </>
  );
}
