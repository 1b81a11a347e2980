"""Bringing coverage in: article files, pages and their extraction, the feed format, bulk import (all offline), and
fetching by URL behind the address guard (guard, http, discovery, ingest)."""
