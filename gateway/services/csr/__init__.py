"""Customer service records: CSR requests, the portal's attested CSR view and LOAs."""
