import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The Convex functions live beside the app; the app imports only their generated API and
  // pure modules.
  typedRoutes: false,
};

export default nextConfig;
