"""Data the classroom simulator plays besides the scenarios: the reviews buyers post (reviews.json)."""
