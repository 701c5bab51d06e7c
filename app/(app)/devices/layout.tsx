import { guardPage } from "@/lib/auth/guard-page";

/**
 * The devices pages' permission check, made here as well as in each page: a layout renders before
 * the list's loading boundary, so a refusal still answers 403 instead of a streamed 200.
 */
export default async function DevicesLayout({ children }: { children: React.ReactNode }) {
  await guardPage("devices.view");
  return children;
}
