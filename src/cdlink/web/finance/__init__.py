"""Finance: payouts and their reconciliation, operations, exports, customer invoices."""
