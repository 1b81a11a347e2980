"""Bringing coverage in: URLs and safe fetching, extraction, article files, bulk import, feeds and subscriptions."""
