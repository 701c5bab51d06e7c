"use client";

import { Toaster as Sonner, type ToasterProps } from "sonner";

/**
 * Toasts in the theme's colours. sonner's own rich colours miss 4.5:1 for some tones (its success
 * green on its light green is 4.25:1), so every tone takes the theme's alert tokens. The toaster
 * is a polite live region, so toasts are read out without taking focus.
 */
const THEME_COLOURS = {
  "--normal-bg": "var(--popover)",
  "--normal-text": "var(--popover-foreground)",
  "--normal-border": "var(--border)",
  "--success-bg": "var(--success)",
  "--success-text": "var(--success-foreground)",
  "--success-border": "var(--success-border)",
  "--info-bg": "var(--info)",
  "--info-text": "var(--info-foreground)",
  "--info-border": "var(--info-border)",
  "--warning-bg": "var(--warning)",
  "--warning-text": "var(--warning-foreground)",
  "--warning-border": "var(--warning-border)",
  "--error-bg": "var(--danger)",
  "--error-text": "var(--danger-foreground)",
  "--error-border": "var(--danger-border)",
} as React.CSSProperties;

export function Toaster(props: ToasterProps) {
  return (
    <Sonner theme="light" richColors closeButton position="top-right" style={THEME_COLOURS} {...props} />
  );
}
