"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** While provisioning is under way, re-reads the page every few seconds so hubs appear without a reload. */
export function AutoRefresh({ active, intervalMs = 3000 }: { active: boolean; intervalMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, router]);
  return null;
}
