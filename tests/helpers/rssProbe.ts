/**
 * A child process's own peak RSS: give it `NODE_OPTIONS: RSS_PROBE` and it writes `maxrss_kb=…` to stderr on exit;
 * `peakRssMb` reads that figure (Infinity when missing), `withoutRss` gives its stderr back as the CLI wrote it.
 *
 * The figure is VmHWM from /proc/self/status where there is one: Linux carries getrusage's maxRSS across exec, so a
 * child's `resourceUsage().maxRSS` is at least its parent's RSS at the fork (a jest worker's, 100–200 MB).
 */
export const RSS_PROBE = `--import=data:text/javascript,${encodeURIComponent(
  'import{readFileSync}from"node:fs";process.on("exit",()=>{let kb=process.resourceUsage().maxRSS;try{kb=Number(/VmHWM:\\s*(\\d+)/.exec(readFileSync("/proc/self/status","utf8"))[1])}catch{}process.stderr.write("\\nmaxrss_kb="+kb+"\\n")})',
)}`;

export function peakRssMb(stderr: string): number {
  const kb = /maxrss_kb=(\d+)/.exec(stderr)?.[1];
  return kb === undefined ? Infinity : Number(kb) / 1024;
}

export const withoutRss = (stderr: string): string => stderr.replace(/\n?maxrss_kb=\d+\n/, "");
