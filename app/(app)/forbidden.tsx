import { StatusMessage } from "@/components/shell/status-message";

// Rendered inside the app's shell, which already has the page's <main>.
export default function Forbidden() {
  return (
    <StatusMessage title="You do not have access to this page">
      Your role does not include this part of the application. Ask an administrator if you need it.
    </StatusMessage>
  );
}
