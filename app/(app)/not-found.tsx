import { StatusMessage } from "@/components/shell/status-message";

// Rendered inside the app's shell, which already has the page's <main>.
export default function NotFound() {
  return (
    <StatusMessage title="Page not found">
      The address may be mistyped, or what it pointed to (a device, an import) was removed.
    </StatusMessage>
  );
}
