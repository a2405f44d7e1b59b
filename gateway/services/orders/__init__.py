"""Orders (LSRs): submit, supplement, dry-run, decide, open TNs, read, manual entry, NPAC ops."""
