// Runtime configuration for the web front end.
// Test corpus for leakhound: every credential in this file is fake, generated at random.
module.exports = {
  port: Number(process.env.PORT || 3000),
  stripe: {
    secretKey: process.env.STRIPE_SECRET_KEY,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET,
    // Read-only key for the reporting dashboard.
    restrictedKey: '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',
  },
  sentry: { dsn: process.env.SENTRY_DSN },
  // Service-to-service token for the orders API (long-lived, rotate!).
  ordersApiToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtb3JkZXJzIiwiaXNzIjoiaHR0cHM6Ly9hdXRoLmFjbWUtc2hvcC5pbnRlcm5hbCIsImF1ZCI6Im9yZGVycy1hcGkiLCJpYXQiOjE3NjcyMjU2MDAsImV4cCI6MTc5ODc2MTYwMCwic2NvcGUiOiJvcmRlcnM6d3JpdGUifQ.DmGoeMMeBpVzFypUm27TvP9HDZHVeLAdZlcC1eAkMk4',
  linear: { apiKey: 'lin_api_ckhoqgc68DlzvsvnTvHvxWRIKi2jBDy2IwerPF0X' },
};
