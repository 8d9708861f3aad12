import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The built @operate/shared (ESM with an exports map) is used as is; nothing to transpile.
};

export default config;
