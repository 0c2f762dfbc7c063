"""The simulated HUAWEI CLOUD console and its SAML service provider (single sign-on from the partner's site)."""
