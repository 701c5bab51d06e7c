import type { Metadata } from "next";
import { Toaster } from "@/components/ui/sonner";
import "./globals.css";

// Every page carries a per-request CSP nonce and reads the live database, so nothing is prerendered.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Hyperscaler Integration Center", template: "%s · Hyperscaler Integration Center" },
  description: "Provision your devices through Azure IoT Hub Device Provisioning Service.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        {children}
        <Toaster />
      </body>
    </html>
  );
}
