import { guardPage } from "@/lib/auth/guard-page";
import { visibleSections } from "@/components/shell/nav-items";
import { SidebarNav } from "@/components/shell/sidebar-nav";
import { ROLE_LABELS } from "@/lib/auth/permissions";
import { signOutAction } from "@/lib/actions/sign-out";
import { Button } from "@/components/ui/button";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await guardPage();
  return (
    <div className="flex min-h-screen">
      <aside className="hidden w-64 shrink-0 flex-col gap-8 bg-slate-900 px-3 py-5 md:flex">
        <p className="px-3 text-sm font-semibold text-white">Hyperscaler Integration Center</p>
        <SidebarNav sections={visibleSections(user.permissions)} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between gap-4 border-b border-slate-200 bg-white px-6 py-3">
          <div className="md:hidden">
            <SidebarNavMobile sections={visibleSections(user.permissions)} />
          </div>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <a href="/account" className="text-slate-700 hover:underline" title="Your account: password and sessions">
              <span className="font-medium">{user.email}</span> · {ROLE_LABELS[user.role]}
            </a>
            <form action={signOutAction}>
              <Button type="submit" variant="secondary" size="sm">
                Sign out
              </Button>
            </form>
          </div>
        </header>
        <main className="flex-1 px-6 py-6">{children}</main>
      </div>
    </div>
  );
}

function SidebarNavMobile({ sections }: { sections: ReturnType<typeof visibleSections> }) {
  return (
    <nav aria-label="Main (compact)" className="flex flex-wrap gap-3 text-sm">
      {sections.flatMap((s) => s.items).map((i) => (
        <a key={i.href} href={i.href} className="text-blue-700 underline">
          {i.label}
        </a>
      ))}
    </nav>
  );
}
