"use client";

import { useId, useState } from "react";
import { ChevronDown, SlidersHorizontal } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/cn";

/** On a phone the filters fold away behind a button (saying how many are on); from md up they are always shown. */
export function CollapsibleFilters({
  activeCount,
  children,
}: {
  activeCount: number;
  children: React.ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <div className="mb-4">
      <Button
        variant="secondary"
        className="md:hidden"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((o) => !o)}
      >
        <SlidersHorizontal aria-hidden />
        Filters{activeCount ? ` (${activeCount} on)` : ""}
        <ChevronDown aria-hidden className={cn("transition-transform", open && "rotate-180")} />
      </Button>
      <div id={id} className={cn(open ? "mt-3 block" : "hidden", "md:mt-0 md:block")}>
        {children}
      </div>
    </div>
  );
}
