"""Reads behind the partner portal's pages."""
