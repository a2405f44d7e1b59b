"""The staff desk: work queue, review, lookups, account unlocks, dashboards and the sweep."""
