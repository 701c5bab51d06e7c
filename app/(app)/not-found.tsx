import Link from "next/link";

/** A missing device or page inside the app keeps the navigation around it. */
export default function AppNotFound() {
  return (
    <div className="max-w-lg">
      <h1 className="text-xl font-semibold text-slate-900">Not found</h1>
      <p className="mt-2 text-sm text-slate-600">The address may be mistyped, or what it pointed to (a device, an import) was removed.</p>
      <Link href="/devices" className="mt-4 inline-block text-sm text-blue-700 underline">
        Go to Devices
      </Link>
    </div>
  );
}
