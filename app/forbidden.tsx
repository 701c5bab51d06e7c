import { StatusMessage } from "@/components/shell/status-message";

export default function Forbidden() {
  return (
    <StatusMessage standalone title="You do not have access to this page">
      Your role does not include this part of the application. Ask an administrator if you need it.
    </StatusMessage>
  );
}
