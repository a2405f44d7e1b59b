"""Bulk requests (business-rules §12, api-contract §4.2.1): LSR batches and CSR batches."""
