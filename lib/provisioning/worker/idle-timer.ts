/**
 * How the fetch loop waits: until its next poll, or until something nudges it (a job was queued, a
 * call slot or an attempt finished), whichever comes first. A nudge while the loop is busy is
 * remembered, so the next idle() returns at once and no wake-up is lost.
 */
export class IdleTimer {
  private wake: (() => void) | null = null;
  private nudged = false;

  nudge(): void {
    this.nudged = true;
    this.wake?.();
    this.wake = null;
  }

  idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.nudged) {
        this.nudged = false;
        return resolve();
      }
      const done = () => {
        clearTimeout(timer);
        this.nudged = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
