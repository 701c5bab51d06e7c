import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-lg p-10">
      <h1 className="text-xl font-semibold">You do not have access to this page</h1>
      <p className="mt-2 text-slate-600">Your role does not include this part of the application. Ask an administrator if you need it.</p>
      <Link href="/" className="mt-4 inline-block text-blue-700 underline">
        Back to the start page
      </Link>
    </main>
  );
}
