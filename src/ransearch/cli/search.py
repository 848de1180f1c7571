"""Commands that query an index (added with the search core)."""
