"""Port-out protection (business-rules §11): freezes, the end user's dispute link, risk review."""
