import { cn } from "@/lib/cn";

/** A native select: keyboard and screen-reader behaviour come from the browser. */
export function Select({ className, ...props }: React.ComponentProps<"select">) {
  return (
    <select
      className={cn(
        "h-9 rounded-md border border-slate-300 bg-white px-2 text-sm focus-visible:outline-2 focus-visible:outline-blue-600 aria-invalid:border-red-600",
        className,
      )}
      {...props}
    />
  );
}
