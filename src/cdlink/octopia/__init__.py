"""octopia."""
