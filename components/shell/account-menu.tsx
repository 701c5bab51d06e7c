import Link from "next/link";
import { signOutAction } from "@/lib/actions/sign-out";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/cn";

/** Who is signed in (a link to their account: password, sessions), and Sign out: in the header on wide screens, at the foot of the menu sheet on phones. */
export function AccountMenu({
  email,
  roleLabel,
  className,
}: {
  email: string;
  roleLabel: string;
  className?: string;
}) {
  return (
    <div className={cn("flex flex-wrap items-center gap-3 text-sm", className)}>
      <Link
        href="/account"
        className="min-w-0 break-all rounded-sm hover:underline"
        title="Your account: password and sessions"
      >
        <span className="font-medium">{email}</span> · {roleLabel}
      </Link>
      <form action={signOutAction}>
        <Button type="submit" variant="secondary" size="sm">
          Sign out
        </Button>
      </form>
    </div>
  );
}
