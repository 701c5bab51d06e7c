"use client";

import { useState } from "react";
import { Menu } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Sheet, SheetContent, SheetTitle, SheetTrigger } from "@/components/ui/sheet";
import { SidebarNav } from "./sidebar-nav";
import { AccountMenu } from "./account-menu";
import type { NavSection } from "./nav-items";

/** Phones: a menu button opening the navigation and the account in a sheet; it closes when a link is followed. */
export function MobileNav({
  sections,
  email,
  roleLabel,
}: {
  sections: NavSection[];
  email: string;
  roleLabel: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <Sheet open={open} onOpenChange={setOpen}>
      <SheetTrigger asChild>
        <Button variant="ghost" size="icon" aria-label="Menu" className="[&_svg]:size-5">
          <Menu aria-hidden />
        </Button>
      </SheetTrigger>
      <SheetContent
        side="left"
        closeLabel="Close menu"
        aria-describedby={undefined}
        className="bg-sidebar text-sidebar-foreground"
      >
        <SheetTitle className="px-3 pt-2 text-sidebar-accent-foreground">
          Hyperscaler Integration Center
        </SheetTitle>
        <SidebarNav sections={sections} onNavigate={() => setOpen(false)} />
        <AccountMenu
          email={email}
          roleLabel={roleLabel}
          className="mt-auto border-t border-sidebar-accent px-3 pt-4 text-sidebar-foreground"
        />
      </SheetContent>
    </Sheet>
  );
}
