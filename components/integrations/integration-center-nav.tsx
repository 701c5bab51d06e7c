"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/cn";

export const INTEGRATION_CENTER_PAGES = [
  { href: "/admin/hyperscaler-integration-center", label: "Integration" },
  { href: "/admin/hyperscaler-integration-center/registration-records", label: "Registration records" },
  { href: "/admin/hyperscaler-integration-center/hub-drift", label: "Hub drift" },
] as const;

/**
 * The Integration Center's tabs, as links: each is a page of its own (its URL can be shared and each
 * checks its own permission), marked as the current page for screen readers.
 */
export function IntegrationCenterNav({ showRecords }: { showRecords: boolean }) {
  const pathname = usePathname();
  const pages = INTEGRATION_CENTER_PAGES.filter(
    // Both views read the service side, under the same permission (registrations.view).
    (page) => showRecords || page.href === "/admin/hyperscaler-integration-center",
  );
  return (
    <nav aria-label="Hyperscaler Integration Center" className="mb-4 border-b border-slate-200">
      <ul className="flex gap-1">
        {pages.map((page) => {
          const current = pathname === page.href;
          return (
            <li key={page.href}>
              <Link
                href={page.href}
                aria-current={current ? "page" : undefined}
                className={cn(
                  "-mb-px block border-b-2 px-4 py-2 text-sm font-medium",
                  current
                    ? "border-blue-700 text-blue-800"
                    : "border-transparent text-slate-600 hover:text-slate-900",
                )}
              >
                {page.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
