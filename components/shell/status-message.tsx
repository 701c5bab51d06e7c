import Link from "next/link";

/**
 * The body of the 403 and 404 pages. Inside the app's shell it is plain content of the shell's
 * <main>; on its own (an unknown address, signed out) it is the page's <main>.
 */
export function StatusMessage({
  title,
  children,
  standalone,
}: {
  title: string;
  children: React.ReactNode;
  standalone?: boolean;
}) {
  const Wrapper = standalone ? "main" : "div";
  return (
    <Wrapper className="mx-auto max-w-lg p-6 sm:p-10">
      <h1 className="text-xl font-semibold">{title}</h1>
      <p className="mt-2 text-muted-foreground">{children}</p>
      <Link href="/" className="mt-4 inline-block text-link underline">
        Back to the start page
      </Link>
    </Wrapper>
  );
}
