export default {
  providers: [
    {
      // Evaluated when the backend loads its auth config, before any function runs, so it
      // reads the built-in CONVEX_SITE_URL directly (the same as Convex Auth's setup).
      // eslint-disable-next-line @convex-dev/no-process-env
      domain: process.env.CONVEX_SITE_URL,
      applicationID: "convex",
    },
  ],
};
