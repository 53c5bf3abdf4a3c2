"""The HTML pages, one router per area of the interface."""
