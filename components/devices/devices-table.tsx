"use client";

import Link from "next/link";
import { useState, useTransition } from "react";
import { toast } from "sonner";
import type { DeviceDto } from "@/lib/devices/device-dto";
import { reprovisionDevicesAction } from "@/lib/actions/reprovision-devices";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/format";
import { StatusBadge } from "./status-badge";
import { DeviceErrorSummary } from "./device-error";
import { DeviceCardList } from "./device-card-list";

export function DevicesTable({ devices, canProvision }: { devices: DeviceDto[]; canProvision: boolean }) {
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [pending, startTransition] = useTransition();
  const allSelected = devices.length > 0 && devices.every((d) => selected.has(d.id));

  const toggle = (id: number) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const reprovisionSelected = () =>
    startTransition(async () => {
      const result = await reprovisionDevicesAction({ deviceIds: [...selected] });
      if (result.ok) {
        toast.success(result.message);
        setSelected(new Set());
      } else toast.error(result.message);
    });

  return (
    <div className="grid gap-2">
      {canProvision ? (
        <div className="flex min-h-9 flex-wrap items-center gap-3 text-sm">
          {devices.length > 0 ? (
            <label className="flex items-center gap-2 md:hidden">
              <input
                type="checkbox"
                className="size-4 accent-primary"
                checked={allSelected}
                onChange={() => setSelected(allSelected ? new Set() : new Set(devices.map((d) => d.id)))}
              />
              Select all
            </label>
          ) : null}
          <span className="text-muted-foreground">{selected.size ? `${selected.size} selected` : "Select devices to re-provision them."}</span>
          {selected.size ? (
            <Button size="sm" onClick={reprovisionSelected} disabled={pending}>
              {pending ? "Re-provisioning…" : "Re-provision selected"}
            </Button>
          ) : null}
        </div>
      ) : null}
      <DeviceCardList devices={devices} selected={canProvision ? selected : null} onToggle={toggle} className="md:hidden" />
      <div className="hidden min-w-0 md:block">
        <Table aria-label="Devices">
          <TableHeader>
            <tr>
              {canProvision ? (
                <TableHead className="w-8">
                  <input
                    type="checkbox"
                    aria-label="Select all devices on this page"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(devices.map((d) => d.id)))}
                  />
                </TableHead>
              ) : null}
              <TableHead>Registration ID</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Assigned IoT hub</TableHead>
              <TableHead>Name</TableHead>
              <TableHead>Device ID</TableHead>
              <TableHead>Substatus</TableHead>
              <TableHead>Last updated</TableHead>
              <TableHead>Last error</TableHead>
            </tr>
          </TableHeader>
          <TableBody>
            {devices.length === 0 ? (
              <TableRow>
                <TableCell colSpan={canProvision ? 9 : 8} className="py-10 text-center text-muted-foreground">
                  No devices match. Add a device or import a CSV file, or clear the filters.
                </TableCell>
              </TableRow>
            ) : (
              devices.map((d) => (
                <TableRow key={d.id}>
                  {canProvision ? (
                    <TableCell>
                      <input type="checkbox" aria-label={`Select ${d.registrationId}`} checked={selected.has(d.id)} onChange={() => toggle(d.id)} />
                    </TableCell>
                  ) : null}
                  <TableCell className="whitespace-nowrap font-mono text-xs">
                    <Link href={`/devices/${d.id}`} className="text-link underline-offset-2 hover:underline">
                      {d.registrationId}
                    </Link>
                  </TableCell>
                  <TableCell>
                    <StatusBadge status={d.status} />
                  </TableCell>
                  <TableCell className="whitespace-nowrap font-mono text-xs">{d.assignedHub ?? <span className="text-muted-foreground">—</span>}</TableCell>
                  <TableCell className="min-w-32">{d.name ?? <span className="text-muted-foreground">—</span>}</TableCell>
                  <TableCell className="whitespace-nowrap font-mono text-xs">{d.dpsDeviceId ?? <span className="text-muted-foreground">—</span>}</TableCell>
                  <TableCell className="text-xs">{d.substatus ?? <span className="text-muted-foreground">—</span>}</TableCell>
                  <TableCell className="whitespace-nowrap text-xs">{formatDateTime(d.updatedAt)}</TableCell>
                  <TableCell className="text-xs">
                    <DeviceErrorSummary device={d} />
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </div>
    </div>
  );
}
