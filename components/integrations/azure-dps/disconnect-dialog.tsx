"use client";

import { disconnectDpsIntegrationAction } from "@/lib/actions/disconnect-dps-integration";
import { Button } from "@/components/ui/button";
import { ConfirmActionDialog } from "@/components/forms/confirm-action-dialog";

/** Asks before disconnecting and says exactly what does and does not happen. */
export function DpsDisconnectDialog({ version }: { version: number }) {
  return (
    <ConfirmActionDialog
      trigger={
        <Button variant="ghost" className="text-red-700 hover:bg-red-50 hover:text-red-800">
          Disconnect
        </Button>
      }
      title="Disconnect Azure DPS?"
      description="The stored enrollment group keys are deleted. This is what happens:"
      label="Disconnect"
      pendingLabel="Disconnecting…"
      run={() => disconnectDpsIntegrationAction({ version })}
      successMessage="Disconnected."
    >
      <ul className="grid list-disc gap-2 pl-5 text-sm text-slate-700">
        <li>
          <span className="font-medium text-slate-900">Provisioning stops.</span> No device is registered with
          DPS until you connect again.
        </li>
        <li>
          <span className="font-medium text-slate-900">Devices stay.</span> Every device and its last known
          IoT hub remain in this app.
        </li>
        <li>
          <span className="font-medium text-slate-900">Nothing is removed in Azure.</span> The enrollment
          group, its registrations and the devices in your IoT hubs are untouched.
        </li>
        <li>The ID Scope and hostname are kept, so reconnecting only needs the key.</li>
      </ul>
    </ConfirmActionDialog>
  );
}
