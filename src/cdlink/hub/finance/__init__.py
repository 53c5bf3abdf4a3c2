"""Finance: operations and payouts imported from the marketplace, reconciled against cdlink's
orders and actions to the cent; per order commission, fees, net and margin; customer invoices."""
