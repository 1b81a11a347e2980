"""Feed subscriptions: subscribing RSS and Atom feeds, and polling them into the coverage (above the service)."""
