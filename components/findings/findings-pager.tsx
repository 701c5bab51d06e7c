import Link from "next/link";

/** First, previous and next page of a run's findings, keeping the filter; the cursors come from the keyset page. */
export function FindingsPager({
  filter,
  page,
  link,
}: {
  filter: { finding: string; hub?: string; q?: string; after?: string; before?: string };
  page: { prevCursor: string | null; nextCursor: string | null };
  link: (params: Record<string, string | undefined>) => string;
}) {
  const base = { finding: filter.finding, hub: filter.hub, q: filter.q };
  return (
    <nav aria-label="Pages" className="mt-4 flex gap-4 text-sm">
      {filter.after || filter.before ? (
        <Link href={link(base)} className="text-link underline">
          First page
        </Link>
      ) : null}
      {page.prevCursor ? (
        <Link href={link({ ...base, before: page.prevCursor })} className="text-link underline">
          Previous page
        </Link>
      ) : null}
      {page.nextCursor ? (
        <Link href={link({ ...base, after: page.nextCursor })} className="text-link underline">
          Next page
        </Link>
      ) : null}
    </nav>
  );
}
