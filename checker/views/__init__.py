"""Views: pure functions from loaded and analysed data to text for people and JSON for machines."""
