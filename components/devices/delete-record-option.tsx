"use client";

/**
 * "Also delete its registration record in Azure DPS": offered only while the saved service connection
 * string may delete records; otherwise a line says how to get the option.
 */
export function DeleteRecordOption({
  available,
  policyName,
  checked,
  onChange,
  plural,
}: {
  available: boolean;
  policyName: string | null;
  checked: boolean;
  onChange: (checked: boolean) => void;
  plural: boolean;
}) {
  if (!available) {
    return (
      <p className="text-xs text-muted-foreground">
        {policyName
          ? `Deleting the DPS registration record too is not offered: the shared access policy "${policyName}" lacks Registration status write.`
          : "To delete the DPS registration record too, an administrator can save a service connection string (Azure DPS → Edit → Advanced)."}
      </p>
    );
  }
  return (
    <label className="flex items-start gap-2 text-sm text-foreground">
      <input
        type="checkbox"
        className="mt-0.5 size-4 shrink-0 accent-primary"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
      />
      {plural
        ? "Also delete their registration records in Azure DPS"
        : "Also delete its registration record in Azure DPS"}
    </label>
  );
}
