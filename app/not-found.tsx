import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg p-10">
      <h1 className="text-xl font-semibold">Page not found</h1>
      <p className="mt-2 text-slate-600">The address may be mistyped, or what it pointed to was removed.</p>
      <Link href="/" className="mt-4 inline-block text-blue-700 underline">
        Back to the start page
      </Link>
    </main>
  );
}
