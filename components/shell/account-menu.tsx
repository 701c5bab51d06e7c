import { signOutAction } from "@/lib/actions/sign-out";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/cn";

/** Who is signed in, and Sign out: in the header on wide screens, at the foot of the menu sheet on phones. */
export function AccountMenu({ email, roleLabel, className }: { email: string; roleLabel: string; className?: string }) {
  return (
    <div className={cn("flex flex-wrap items-center gap-3 text-sm", className)}>
      <span className="min-w-0 break-all">
        <span className="font-medium">{email}</span> · {roleLabel}
      </span>
      <form action={signOutAction}>
        <Button type="submit" variant="secondary" size="sm">
          Sign out
        </Button>
      </form>
    </div>
  );
}
