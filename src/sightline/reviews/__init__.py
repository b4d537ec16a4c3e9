"""Reviews: case reviews, learning themes, action plans and statutory returns."""
