import Link from "next/link";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

/** An empty cell: the side has nothing to say. */
export const none = <span className="text-muted-foreground">—</span>;

/** A finding's device, linked to its page when the platform has it. */
export function DeviceLink({ devicePk, children }: { devicePk: number | null; children: string }) {
  return devicePk ? (
    <Link href={`/devices/${devicePk}`} className="text-link underline-offset-2 hover:underline">
      {children}
    </Link>
  ) : (
    children
  );
}

/**
 * A run's findings as a table: its headings, an action column when the viewer may act on a row, and
 * a line saying what to do when nothing matches. `rows` are the table's rows, cells and all.
 */
export function FindingsTableFrame({
  label,
  headings,
  canAct,
  empty,
  rows,
}: {
  label: string;
  headings: readonly string[];
  canAct: boolean;
  empty: string;
  rows: React.ReactNode[];
}) {
  return (
    <Table aria-label={label}>
      <TableHeader>
        <tr>
          {headings.map((heading) => (
            <TableHead key={heading}>{heading}</TableHead>
          ))}
          {canAct ? (
            <TableHead>
              <span className="sr-only">Action</span>
            </TableHead>
          ) : null}
        </tr>
      </TableHeader>
      <TableBody>
        {rows.length === 0 ? (
          <TableRow>
            <TableCell
              colSpan={headings.length + (canAct ? 1 : 0)}
              className="py-10 text-center text-muted-foreground"
            >
              {empty}
            </TableCell>
          </TableRow>
        ) : (
          rows
        )}
      </TableBody>
    </Table>
  );
}
