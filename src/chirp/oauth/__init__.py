"""OAuth 2: applications, authorization codes, access tokens and scopes."""
