"""Finance: the stream importing operations, payouts and commission invoices, and the upload of
customer invoices (per order and in bulk)."""
