import { StatusMessage } from "@/components/shell/status-message";

export default function NotFound() {
  return (
    <StatusMessage standalone title="Page not found">
      The address may be mistyped, or what it pointed to was removed.
    </StatusMessage>
  );
}
