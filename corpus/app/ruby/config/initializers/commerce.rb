# Payment and marketplace clients.
# Test corpus for leakhound: every key in this file is fake, generated at random.
Rails.configuration.stripe = {
  publishable_key: ENV.fetch("STRIPE_PUBLISHABLE_KEY", nil),
  secret_key: ENV.fetch("STRIPE_SECRET_KEY", nil),
}
Stripe.api_key = Rails.configuration.stripe[:secret_key]

# Legacy key still used by the subscription importer (pre-2019 account).
LEGACY_STRIPE_KEY = "sk_live_AlkCyeVr9tSdKYy9fER24lu4"

ShopifyAPI::Context.setup(
  api_key: ENV.fetch("SHOPIFY_API_KEY"),
  api_secret_key: ENV.fetch("SHOPIFY_API_SECRET"),
  host: "https://shop.acme-shop.internal",
  scope: "read_orders,read_products",
  is_embedded: false,
  api_version: "2024-10",
)
SHOPIFY_ADMIN_TOKEN = "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"

# Amazon marketplace order import.
MARKETPLACE = {
  seller_id: "A2EUQ1WTGCTBG2",
  mws_auth_token: "amzn.mws.2cacbdd2-555e-41af-978e-ab1bda722860",
}.freeze
