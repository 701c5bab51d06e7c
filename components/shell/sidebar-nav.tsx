"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/cn";
import type { NavSection } from "./nav-items";

export function SidebarNav({ sections }: { sections: NavSection[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="grid gap-6">
      {sections.map((section) => (
        <div key={section.label ?? "main"} className="grid gap-1">
          {section.label ? <p className="px-3 text-xs font-semibold uppercase tracking-wider text-slate-400">{section.label}</p> : null}
          <ul className="grid gap-0.5">
            {section.items.map((item) => {
              const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={active ? "page" : undefined}
                    className={cn(
                      "block rounded-md px-3 py-2 text-sm text-slate-200 hover:bg-slate-800",
                      active && "bg-slate-800 font-medium text-white",
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
