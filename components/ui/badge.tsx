import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/cn";

const badgeVariants = cva("inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium", {
  variants: {
    tone: {
      neutral: "bg-badge-neutral text-badge-neutral-foreground",
      success: "bg-badge-success text-badge-success-foreground",
      warning: "bg-badge-warning text-badge-warning-foreground",
      danger: "bg-badge-danger text-badge-danger-foreground",
      info: "bg-badge-info text-badge-info-foreground",
    },
  },
  defaultVariants: { tone: "neutral" },
});

export function Badge({
  className,
  tone,
  ...props
}: React.ComponentProps<"span"> & VariantProps<typeof badgeVariants>) {
  return <span className={cn(badgeVariants({ tone }), className)} {...props} />;
}
