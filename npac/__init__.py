"""Simulated NPAC registry: SPIDs, code and block holders, subscription versions (§9)."""
