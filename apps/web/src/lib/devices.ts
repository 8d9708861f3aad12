/** A person's name for the device behind a User-Agent: "Chrome on Linux", "Safari on iPhone". */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = (
    [
      ['Edge', /Edg\//],
      ['Firefox', /Firefox\//],
      ['Chrome', /(Chrome|Chromium|CriOS)\//],
      ['Safari', /Safari\//],
      ['curl', /^curl\//],
      ['Node.js', /^node|undici/i],
    ] as const
  ).find(([, pattern]) => pattern.test(userAgent))?.[0];
  const system = (
    [
      ['iPhone', /iPhone/],
      ['iPad', /iPad/],
      ['Android', /Android/],
      ['Windows', /Windows/],
      ['macOS', /Mac OS X|Macintosh/],
      ['Linux', /Linux|X11/],
    ] as const
  ).find(([, pattern]) => pattern.test(userAgent))?.[0];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 40);
}
