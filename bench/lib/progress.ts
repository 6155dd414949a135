/**
 * Progress on stderr: one bar per long step (cli-progress; drawn only on a terminal) and a log
 * line per phase, so that a run in CI or a pipe still shows where it is.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** A phase line: `[bench <name>] text`. */
  log(text: string): void;
  /** A bar for a step of `total` units; update it, then stop it. */
  bar(label: string, total: number, unit?: string): Bar;
  stop(): void;
}

export interface Bar {
  update(value: number, extra?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

export function createProgress(name: string): Progress {
  const tty = Boolean(process.stderr.isTTY);
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {label} |{bar}| {percentage}% {value}/{total} {unit} {extra}',
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    log(text) {
      const line = `[bench ${name}] ${text}`;
      if (tty) multi.log(`${line}\n`);
      else process.stderr.write(`${line}\n`);
    },
    bar(label, total, unit = '') {
      if (!tty) {
        // No terminal: a plain line at most every 15 s instead of a bar.
        let t = Math.max(1, total);
        let last = performance.now();
        return {
          update(value, extra = '') {
            if (performance.now() - last < 15_000) return;
            last = performance.now();
            process.stderr.write(
              `[bench ${name}] ${label.trim()}: ${Math.min(value, t)}/${t} ${unit} ${extra}\n`,
            );
          },
          setTotal: (n) => (t = Math.max(1, n)),
          stop: () => undefined,
        };
      }
      const b = multi.create(Math.max(1, total), 0, { label: label.padEnd(24), unit, extra: '' });
      return {
        update: (value, extra = '') => b.update(Math.min(value, b.getTotal()), { extra }),
        setTotal: (t) => b.setTotal(Math.max(1, t)),
        stop: () => {
          b.stop();
          multi.remove(b);
        },
      };
    },
    stop() {
      if (tty) multi.stop();
    },
  };
}

/** A bar that fills with wall-clock time over `seconds` (for fixed-duration loads). */
export function timeBar(progress: Progress, label: string, seconds: number): { stop(): void } {
  const bar = progress.bar(label, seconds, 's');
  const t0 = performance.now();
  const t = setInterval(() => bar.update(Math.round((performance.now() - t0) / 1000)), 500);
  return {
    stop() {
      clearInterval(t);
      bar.stop();
    },
  };
}
