/**
 * Light and dark themes: CSS variables in app.css keyed by `data-theme` on <html>. 'system'
 * follows prefers-color-scheme; a choice is remembered in localStorage.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'glasswing.theme.v1';

export class ThemeState {
  choice = $state<ThemeChoice>('system');
  /** The theme in effect now. */
  resolved = $state<'light' | 'dark'>('light');
  private media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

  constructor() {
    try {
      const saved = localStorage.getItem(KEY);
      if (saved === 'light' || saved === 'dark' || saved === 'system') this.choice = saved;
    } catch {
      // Storage can be unavailable; the system theme is used.
    }
    this.media?.addEventListener('change', () => this.apply());
    this.apply();
  }

  /** Choose a theme (and remember it). */
  set(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      localStorage.setItem(KEY, choice);
    } catch {
      // Not remembered; it still applies to this page.
    }
    this.apply();
  }

  /** Flip between light and dark. */
  toggle(): void {
    this.set(this.resolved === 'dark' ? 'light' : 'dark');
  }

  private apply(): void {
    this.resolved = this.choice === 'system' ? (this.media?.matches ? 'dark' : 'light') : this.choice;
    document.documentElement.dataset.theme = this.resolved;
    document.documentElement.style.colorScheme = this.resolved;
  }
}
