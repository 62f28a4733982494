/**
 * A child process's own peak RSS: give it `NODE_OPTIONS: RSS_PROBE` and it writes `maxrss_kb=…` to stderr on exit;
 * `peakRssMb` reads that figure (Infinity when missing), `withoutRss` gives its stderr back as the CLI wrote it.
 */
export const RSS_PROBE = `--import=data:text/javascript,${encodeURIComponent(
  'process.on("exit",()=>process.stderr.write("\\nmaxrss_kb="+process.resourceUsage().maxRSS+"\\n"))',
)}`;

export function peakRssMb(stderr: string): number {
  const kb = /maxrss_kb=(\d+)/.exec(stderr)?.[1];
  return kb === undefined ? Infinity : Number(kb) / 1024;
}

export const withoutRss = (stderr: string): string => stderr.replace(/\n?maxrss_kb=\d+\n/, "");
