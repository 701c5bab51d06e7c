"use client";

import { useEffect, useRef, useState } from "react";
import { cn } from "@/lib/cn";

/**
 * A horizontally scrollable box (e.g. around a wide table on a phone). While its content overflows
 * it becomes a focusable, named region, so keyboard users can scroll it with the arrow keys
 * (WCAG 2.1.1); when everything fits it adds no tab stop.
 */
export function ScrollRegion({
  label,
  className,
  children,
}: {
  label?: string;
  className?: string;
  children: React.ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [overflowing, setOverflowing] = useState(false);

  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setOverflowing(element.scrollWidth > element.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, []);

  return (
    <div
      ref={ref}
      className={cn("relative w-full overflow-x-auto", className)}
      {...(overflowing
        ? {
            tabIndex: 0,
            role: "region",
            "aria-label": label ? `${label} (scrolls sideways)` : "Scrolls sideways",
          }
        : {})}
    >
      {children}
    </div>
  );
}
