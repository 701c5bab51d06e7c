import { redirect } from "next/navigation";
import { guardPage } from "@/lib/auth/guard-page";
import { hasPermission } from "@/lib/auth/permissions";

export default async function Home() {
  const user = await guardPage();
  redirect(hasPermission(user.role, "devices.view") ? "/devices" : "/admin/hyperscaler-integration-center");
}
