import { cn } from "@/lib/cn";

export function Input({ className, ...props }: React.ComponentProps<"input">) {
  return (
    <input
      className={cn(
        "h-9 w-full rounded-md border border-input bg-card px-3 py-1 text-sm shadow-xs placeholder:text-muted-foreground focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring disabled:opacity-50 aria-invalid:border-destructive",
        className,
      )}
      {...props}
    />
  );
}

/** For identifiers, hostnames and IDs typed or pasted exactly: no autofill, no spell check, monospace. */
export function CodeInput({ className, ...props }: React.ComponentProps<"input">) {
  return <Input autoComplete="off" spellCheck={false} className={cn("font-mono", className)} {...props} />;
}
