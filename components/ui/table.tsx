import { cn } from "@/lib/cn";
import { ScrollRegion } from "./scroll-region";

export function Table({ className, ...props }: React.ComponentProps<"table">) {
  return (
    <ScrollRegion label={props["aria-label"]} className="rounded-lg border border-border bg-card">
      <table className={cn("w-full caption-bottom text-sm", className)} {...props} />
    </ScrollRegion>
  );
}
export function TableHeader(props: React.ComponentProps<"thead">) {
  return (
    <thead className="bg-muted text-left text-xs uppercase tracking-wide text-muted-foreground" {...props} />
  );
}
export function TableBody(props: React.ComponentProps<"tbody">) {
  return <tbody className="divide-y divide-border" {...props} />;
}
export function TableRow({ className, ...props }: React.ComponentProps<"tr">) {
  return <tr className={cn("hover:bg-muted/60", className)} {...props} />;
}
export function TableHead({ className, ...props }: React.ComponentProps<"th">) {
  return <th scope="col" className={cn("px-3 py-2 font-medium", className)} {...props} />;
}
export function TableCell({ className, ...props }: React.ComponentProps<"td">) {
  return <td className={cn("px-3 py-2 align-top", className)} {...props} />;
}
