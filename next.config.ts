import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The dev-mode badge sits over the page's bottom-left controls on a phone-sized screen.
  devIndicators: false,
};

export default nextConfig;
