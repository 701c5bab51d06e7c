"use client";

import { Tabs } from "radix-ui";

/** The Integration Center's tabs; Integration is the only one today, kept as a tab list so more can join. */
export function IntegrationTabs({ children }: { children: React.ReactNode }) {
  return (
    <Tabs.Root defaultValue="integration">
      <Tabs.List aria-label="Hyperscaler Integration Center" className="mb-4 flex gap-1 border-b border-slate-200">
        <Tabs.Trigger
          value="integration"
          className="-mb-px border-b-2 border-transparent px-4 py-2 text-sm font-medium text-slate-600 data-[state=active]:border-blue-700 data-[state=active]:text-blue-800"
        >
          Integration
        </Tabs.Trigger>
      </Tabs.List>
      <Tabs.Content value="integration">{children}</Tabs.Content>
    </Tabs.Root>
  );
}
