/**
 * Progress for long operations: on a terminal a bar redrawn in place with count, rate and ETA; in a
 * log (not a TTY) a plain line every few seconds, so CI output stays readable.
 */
export interface Progress {
  update(done: number): void;
  finish(summary?: string): void;
}

export const progressLogIntervalMs = 2_000;
const barWidth = 30;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  return minutes >= 60
    ? `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
    : `${String(minutes).padStart(2, '0')}:${String(rest).padStart(2, '0')}`;
}

function formatCount(value: number, unit: 'items' | 'bytes'): string {
  if (unit === 'items') return Math.round(value).toLocaleString('en-US');
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(2)} GiB`;
  if (value >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${Math.round(value)} B`;
}

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  nowMs: () => number = () => performance.now(),
  unit: 'items' | 'bytes' = 'items',
): Progress {
  const started = nowMs();
  let lastLog = started;
  let done = 0;
  const line = () => {
    const elapsed = (nowMs() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : Number.NaN;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * barWidth);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
    return `${label} ${bar} ${formatCount(done, unit)}/${formatCount(total, unit)} ${(fraction * 100).toFixed(1)}% ${formatCount(rate, unit)}/s ETA ${formatDuration(eta)}`;
  };
  return {
    update(value) {
      done = value;
      if (stream.isTTY) {
        stream.write(`\r${line()}\x1b[K`);
      } else if (nowMs() - lastLog >= progressLogIntervalMs) {
        lastLog = nowMs();
        stream.write(`${line()}\n`);
      }
    },
    finish(summary) {
      const elapsed = ((nowMs() - started) / 1000).toFixed(1);
      stream.write(
        `${stream.isTTY ? '\r' : ''}${line()} in ${elapsed}s${summary === undefined ? '' : ` — ${summary}`}${stream.isTTY ? '\x1b[K' : ''}\n`,
      );
    },
  };
}
