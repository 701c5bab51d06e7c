import Link from "next/link";
import { guardPage } from "@/lib/auth/guard-page";
import { visibleSections } from "@/components/shell/nav-items";
import { SidebarNav } from "@/components/shell/sidebar-nav";
import { MobileNav } from "@/components/shell/mobile-nav";
import { AccountMenu } from "@/components/shell/account-menu";
import { ROLE_LABELS } from "@/lib/auth/permissions";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await guardPage();
  const sections = visibleSections(user.permissions);
  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-primary px-4 py-2 text-sm font-medium text-primary-foreground focus:not-sr-only focus:fixed focus:left-3 focus:top-3"
      >
        Skip to main content
      </a>
      <div className="hidden w-64 shrink-0 bg-sidebar text-sidebar-foreground md:block">
        <div className="sticky top-0 px-3 py-5">
          <SidebarNav sections={sections}>
            <Link
              href="/"
              className="rounded-md px-3 text-sm font-semibold text-sidebar-accent-foreground focus-visible:outline-sidebar-ring"
            >
              Hyperscaler Integration Center
            </Link>
          </SidebarNav>
        </div>
      </div>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex min-h-14 items-center gap-2 border-b border-border bg-card px-3 py-2 md:px-6">
          <div className="md:hidden">
            <MobileNav sections={sections} email={user.email} roleLabel={ROLE_LABELS[user.role]} />
          </div>
          <Link href="/" className="min-w-0 truncate rounded-sm text-sm font-semibold md:hidden">
            Hyperscaler Integration Center
          </Link>
          <AccountMenu
            email={user.email}
            roleLabel={ROLE_LABELS[user.role]}
            className="ml-auto hidden md:flex"
          />
        </header>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-4 py-6 focus-visible:outline-none md:px-6">
          {children}
        </main>
      </div>
    </div>
  );
}
