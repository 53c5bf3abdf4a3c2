"""Price sync (through the stock pusher's Update packages), price read-back and promotions."""
