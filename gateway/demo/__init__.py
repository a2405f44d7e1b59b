"""The demo carrier (seed-demo): numbering plan, partners and users, accounts and orders."""
