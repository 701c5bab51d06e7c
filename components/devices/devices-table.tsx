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
import { HubStatusSummary } from "./hub-status-badge";
import { DeviceErrorSummary } from "./device-error";
import { DeviceCardList } from "./device-card-list";
import { RemoveSelectedDialog } from "./remove-selected-dialog";

const none = <span className="text-muted-foreground">—</span>;

/** One cell per column of DEVICE_COLUMNS, which also orders the headings and the CSV export. */
const CELLS: Record<DeviceColumnId, { className?: string; render: (device: DeviceDto) => React.ReactNode }> =
  {
    registrationId: {
      className: "whitespace-nowrap font-mono text-xs",
      render: (d) => (
        <Link href={`/devices/${d.id}`} className="text-link underline-offset-2 hover:underline">
          {d.registrationId}
        </Link>
      ),
    },
    name: { className: "min-w-32", render: (d) => d.name ?? none },
    status: { render: (d) => <StatusBadge status={d.status} /> },
    hubStatus: { className: "whitespace-nowrap", render: (d) => <HubStatusSummary device={d} /> },
    assignedHub: { className: "whitespace-nowrap font-mono text-xs", render: (d) => d.assignedHub ?? none },
    deviceId: { className: "whitespace-nowrap font-mono text-xs", render: (d) => d.dpsDeviceId ?? none },
    substatus: { className: "text-xs", render: (d) => d.substatus ?? none },
    updatedAt: { className: "whitespace-nowrap text-xs", render: (d) => formatDateTime(d.updatedAt) },
    lastError: { className: "text-xs", render: (d) => <DeviceErrorSummary device={d} /> },
  };

export function DevicesTable({
  devices,
  canProvision,
  canManage,
}: {
  devices: DeviceDto[];
  canProvision: boolean;
  canManage: boolean;
}) {
  const canSelect = canProvision || canManage;
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
      {canSelect ? (
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
          <span className="text-muted-foreground">
            {selected.size
              ? `${selected.size} selected`
              : canProvision && canManage
                ? "Select devices to re-provision or remove them."
                : canProvision
                  ? "Select devices to re-provision them."
                  : "Select devices to remove them."}
          </span>
          {selected.size && canProvision ? (
            <Button size="sm" onClick={reprovisionSelected} disabled={pending}>
              {pending ? "Re-provisioning…" : "Re-provision selected"}
            </Button>
          ) : null}
          {selected.size && canManage ? (
            <RemoveSelectedDialog deviceIds={[...selected]} onDone={() => setSelected(new Set())} />
          ) : null}
        </div>
      ) : null}
      <DeviceCardList
        devices={devices}
        selected={canSelect ? selected : null}
        onToggle={toggle}
        className="md:hidden"
      />
      <div className="hidden min-w-0 md:block">
        <Table aria-label="Devices">
          <TableHeader>
            <tr>
              {canSelect ? (
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
                <TableCell
                  colSpan={DEVICE_COLUMNS.length + (canSelect ? 1 : 0)}
                  className="py-10 text-center text-muted-foreground"
                >
                  No devices match. Add a device or import a CSV file, or clear the filters.
                </TableCell>
              </TableRow>
            ) : (
              devices.map((d) => (
                <TableRow key={d.id}>
                  {canSelect ? (
                    <TableCell>
                      <input
                        type="checkbox"
                        aria-label={`Select ${d.registrationId}`}
                        checked={selected.has(d.id)}
                        onChange={() => toggle(d.id)}
                      />
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
    </div>
  );
}
