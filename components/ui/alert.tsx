import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/cn";

const alertVariants = cva("rounded-md border px-4 py-3 text-sm", {
  variants: {
    tone: {
      info: "border-info-border bg-info text-info-foreground",
      warning: "border-warning-border bg-warning text-warning-foreground",
      danger: "border-danger-border bg-danger text-danger-foreground",
      success: "border-success-border bg-success text-success-foreground",
    },
  },
  defaultVariants: { tone: "info" },
});

/**
 * A message box. A danger alert interrupts the screen reader (role="alert"); the other tones wait
 * their turn (role="status"). Pass `role` to override, e.g. for a message that is there on page load.
 */
export function Alert({
  className,
  tone,
  ...props
}: React.ComponentProps<"div"> & VariantProps<typeof alertVariants>) {
  return (
    <div
      role={tone === "danger" ? "alert" : "status"}
      className={cn(alertVariants({ tone }), className)}
      {...props}
    />
  );
}
