"use client";

import Link from "next/link";
import { useState, useTransition } from "react";
import { toast } from "sonner";
import type { DeviceDto } from "@/lib/devices/device-dto";
import { DEVICE_COLUMNS, type DeviceColumnId } from "@/lib/devices/device-columns";
import { reprovisionDevicesAction } from "@/lib/actions/reprovision-devices";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/format";
import { StatusBadge } from "./status-badge";
import { DeviceErrorSummary } from "./device-error";

const none = <span className="text-slate-400">—</span>;

/** One cell per column of DEVICE_COLUMNS, which also orders the headings and the CSV export. */
const CELLS: Record<DeviceColumnId, { className?: string; render: (device: DeviceDto) => React.ReactNode }> = {
  registrationId: {
    className: "whitespace-nowrap font-mono text-xs",
    render: (d) => (
      <Link href={`/devices/${d.id}`} className="text-blue-700 underline-offset-2 hover:underline">
        {d.registrationId}
      </Link>
    ),
  },
  name: { render: (d) => d.name ?? none },
  status: { render: (d) => <StatusBadge status={d.status} /> },
  assignedHub: { className: "whitespace-nowrap font-mono text-xs", render: (d) => d.assignedHub ?? none },
  deviceId: { className: "whitespace-nowrap font-mono text-xs", render: (d) => d.dpsDeviceId ?? none },
  substatus: { className: "text-xs", render: (d) => d.substatus ?? none },
  updatedAt: { className: "whitespace-nowrap text-xs", render: (d) => formatDateTime(d.updatedAt) },
  lastError: { className: "text-xs", render: (d) => <DeviceErrorSummary device={d} /> },
};

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
        <div className="flex min-h-9 items-center gap-3 text-sm">
          <span className="text-slate-600">{selected.size ? `${selected.size} selected` : "Select devices to re-provision them."}</span>
          {selected.size ? (
            <Button size="sm" onClick={reprovisionSelected} disabled={pending}>
              {pending ? "Re-provisioning…" : "Re-provision selected"}
            </Button>
          ) : null}
        </div>
      ) : null}
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
            {DEVICE_COLUMNS.map((column) => (
              <TableHead key={column.id}>{column.label}</TableHead>
            ))}
          </tr>
        </TableHeader>
        <TableBody>
          {devices.length === 0 ? (
            <TableRow>
              <TableCell colSpan={DEVICE_COLUMNS.length + (canProvision ? 1 : 0)} className="py-10 text-center text-slate-500">
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
                {DEVICE_COLUMNS.map(({ id }) => (
                  <TableCell key={id} className={CELLS[id].className}>
                    {CELLS[id].render(d)}
                  </TableCell>
                ))}
              </TableRow>
            ))
          )}
        </TableBody>
      </Table>
    </div>
  );
}
