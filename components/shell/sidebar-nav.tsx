"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/cn";
import type { NavSection } from "./nav-items";

/** The main navigation, in the desktop sidebar and in the phone's menu sheet; `onNavigate` lets the sheet close. */
export function SidebarNav({
  sections,
  onNavigate,
  children,
}: {
  sections: NavSection[];
  onNavigate?: () => void;
  children?: React.ReactNode;
}) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="grid gap-6">
      {children}
      {sections.map((section) => (
        <div key={section.label ?? "main"} className="grid gap-1">
          {section.label ? (
            <h2 className="px-3 text-xs font-semibold uppercase tracking-wider text-sidebar-muted-foreground">
              {section.label}
            </h2>
          ) : null}
          <ul className="grid gap-0.5">
            {section.items.map((item) => {
              const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    onClick={onNavigate}
                    aria-current={active ? "page" : undefined}
                    className={cn(
                      "block rounded-md px-3 py-2 text-sm text-sidebar-foreground hover:bg-sidebar-accent hover:text-sidebar-accent-foreground focus-visible:outline-sidebar-ring",
                      active && "bg-sidebar-accent font-medium text-sidebar-accent-foreground",
                    )}
                  >
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </nav>
  );
}
