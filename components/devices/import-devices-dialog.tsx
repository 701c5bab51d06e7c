"use client";

import { useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { ImportSummary } from "@/lib/devices/csv-import";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";

type Summary = Omit<ImportSummary, "addedDeviceIds"> & { queued: number };

export function ImportDevicesDialog() {
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);

  const upload = async (event: React.FormEvent) => {
    event.preventDefault();
    const file = input.current?.files?.[0];
    setError(null);
    if (!file) return setError("Choose a CSV file to import.");
    setBusy(true);
    try {
      // The file goes as the raw body: the server parses it while it streams in.
      const response = await fetch("/api/devices/import", {
        method: "POST",
        body: file,
        headers: { "Content-Type": "text/csv", "X-File-Name": encodeURIComponent(file.name) },
      });
      const json = (await response.json().catch(() => null)) as {
        ok: boolean;
        message?: string;
        summary?: Summary;
      } | null;
      if (json?.summary) {
        // A complete import, or one cut short part-way: either way the summary says exactly what was added.
        setSummary(json.summary);
        if (json.ok)
          toast.success(
            `Imported ${json.summary.added.toLocaleString("en")} of ${json.summary.total.toLocaleString("en")} devices.`,
          );
        else toast.error(json.message ?? "The import stopped before the end of the file.");
        router.refresh();
        return;
      }
      setError(json?.message ?? `The import failed (HTTP ${response.status}).`);
    } catch {
      setError("The upload did not reach the server. Check the connection and try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setSummary(null);
          setError(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="secondary">Import CSV</Button>
      </DialogTrigger>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>Import devices from CSV</DialogTitle>
          <DialogDescription>
            One device per line:{" "}
            <code className="rounded bg-slate-100 px-1">registrationId,name,payload</code> (a header line is
            optional; name and payload may be empty; payload is a JSON object). Every line gets a verdict in
            the report.
          </DialogDescription>
        </DialogHeader>
        {summary ? (
          <div className="grid gap-3 text-sm">
            {summary.status === "cut-short" ? (
              <p
                role="alert"
                className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-amber-900"
              >
                <strong>The import stopped before the end of the file.</strong> {summary.stopMessage} Only the
                lines counted below were read.
              </p>
            ) : null}
            <p role="status">
              <strong>{summary.total.toLocaleString("en")}</strong> lines:{" "}
              <strong>{summary.added.toLocaleString("en")}</strong> added,{" "}
              <strong>{summary.duplicates.toLocaleString("en")}</strong> skipped as duplicates,{" "}
              <strong>{summary.refused.toLocaleString("en")}</strong> refused.
              {summary.queued ? ` ${summary.queued.toLocaleString("en")} queued for provisioning.` : ""}
            </p>
            {summary.problems.length ? (
              <Table aria-label="Lines not imported">
                <TableHeader>
                  <tr>
                    <TableHead>Line</TableHead>
                    <TableHead>Registration ID</TableHead>
                    <TableHead>Result</TableHead>
                    <TableHead>Why</TableHead>
                  </tr>
                </TableHeader>
                <TableBody>
                  {summary.problems.map((p) => (
                    <TableRow key={p.line}>
                      <TableCell>{p.line}</TableCell>
                      <TableCell className="font-mono text-xs">{p.registrationId || "—"}</TableCell>
                      <TableCell>{p.result === "duplicate" ? "Skipped (duplicate)" : "Refused"}</TableCell>
                      <TableCell className="text-xs">{p.reason}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            ) : null}
            <DialogFooter>
              <Button asChild variant="secondary">
                <a href={`/api/devices/imports/${summary.importId}/report`} download>
                  Download the full report
                </a>
              </Button>
              <Button onClick={() => setSummary(null)}>Import another file</Button>
            </DialogFooter>
          </div>
        ) : (
          <form onSubmit={upload} className="grid gap-4">
            <div className="grid gap-1.5">
              <Label htmlFor="import-file">CSV file</Label>
              <input
                id="import-file"
                ref={input}
                type="file"
                accept=".csv,text/csv"
                aria-describedby="import-error"
                className="text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5"
              />
              <p
                id="import-error"
                role="alert"
                aria-live="polite"
                className="text-xs font-medium text-red-700 empty:hidden"
              >
                {error ?? ""}
              </p>
            </div>
            <DialogFooter>
              <Button type="submit" disabled={busy}>
                {busy ? "Importing…" : "Import"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
