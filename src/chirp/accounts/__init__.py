"""Accounts: profiles, the credentials behind them, registration and lookup."""
