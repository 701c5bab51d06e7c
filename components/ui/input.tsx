import { cn } from "@/lib/cn";

export function Input({ className, ...props }: React.ComponentProps<"input">) {
  return (
    <input
      className={cn(
        "h-9 w-full rounded-md border border-slate-300 bg-white px-3 py-1 text-sm shadow-xs placeholder:text-slate-400 focus-visible:outline-2 focus-visible:outline-blue-600 disabled:opacity-50 aria-invalid:border-red-600",
        className,
      )}
      {...props}
    />
  );
}
