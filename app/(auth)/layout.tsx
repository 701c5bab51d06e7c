export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4 sm:p-6">
      <div className="w-full max-w-md">
        <p className="mb-6 text-center text-sm font-semibold uppercase tracking-wider text-muted-foreground">
          Hyperscaler Integration Center
        </p>
        {children}
      </div>
    </main>
  );
}
